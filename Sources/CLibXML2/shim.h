// libxml2's HTML parser. Debian builds libxml2 with ICU, whose headers clash with the copy of
// ICU inside Foundation; gloss uses no ICU-backed encoding API, so hide those declarations.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

// `xmlFree` is a global function-pointer variable, which Swift 6 rejects as shared mutable state.
static inline void gloss_xml_free(void *pointer) { xmlFree(pointer); }
