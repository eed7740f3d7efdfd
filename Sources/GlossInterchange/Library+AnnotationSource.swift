import GlossStore

extension Library: AnnotationSource {}
