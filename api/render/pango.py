"""Pango and PangoCairo through cffi: the functions and structures the engine (and its tests) call.

The engine calls Pango's C API directly (a wrapper object per call cost more than the layout
itself). pangocffi and pangocairocffi declared all of Pango, GLib and PangoCairo, parsed by
pycparser at every start-up, and looked their libraries up with ctypes.util.find_library, which
runs ldconfig and gcc on Linux: together a quarter of a second before the first badge, in every
CLI run, render worker and test process. These declarations take a few milliseconds to parse.

Types shared with cairo (cairo_t, cairo_font_options_t) come from cairocffi's own FFI, included
here, so cairocffi's pointers pass to PangoCairo as they are. Structures are declared only up to
the members read, and only ever reached through pointers Pango hands out: never allocated or
sized here, except PangoRectangle and the out-parameters below, which are declared whole.
"""

from __future__ import annotations

import ctypes.util
import enum
from typing import Any

import cairocffi
from cffi import FFI

ffi = FFI()
ffi.include(cairocffi.ffi)
ffi.cdef(
    """
    typedef int gboolean;
    typedef unsigned char guint8;
    typedef uint32_t gunichar;
    typedef void *gpointer;

    void g_object_unref (gpointer object);
    void g_free (gpointer mem);

    typedef struct _PangoContext PangoContext;
    typedef struct _PangoLayout PangoLayout;
    typedef struct _PangoLayoutIter PangoLayoutIter;
    typedef struct _PangoFontDescription PangoFontDescription;
    typedef struct _PangoFont PangoFont;
    typedef struct _PangoFontFace PangoFontFace;
    typedef struct _PangoFontFamily PangoFontFamily;
    typedef struct _PangoFontMap PangoFontMap;
    typedef struct _PangoAttrList PangoAttrList;
    typedef struct _PangoAttribute PangoAttribute;
    typedef struct _PangoLanguage PangoLanguage;
    typedef struct _PangoGlyphString PangoGlyphString;
    typedef struct _PangoLayoutLine PangoLayoutLine;

    typedef struct {
        int x;
        int y;
        int width;
        int height;
    } PangoRectangle;

    /* pango-item.h (Pango 1.44 and later keep the two engine pointers for their ABI). */
    typedef struct {
        gpointer shape_engine;
        gpointer lang_engine;
        PangoFont *font;
        guint8 level;
        guint8 gravity;
        guint8 flags;
        guint8 script;
        PangoLanguage *language;
        gpointer extra_attrs;
    } PangoAnalysis;

    typedef struct {
        int offset;
        int length;
        int num_chars;
        PangoAnalysis analysis;
    } PangoItem;

    /* A PangoLayoutRun is a PangoGlyphItem; only its item is read. */
    typedef struct {
        PangoItem *item;
        PangoGlyphString *glyphs;
    } PangoLayoutRun;

    const char *pango_version_string (void);
    int pango_find_base_dir (const char *text, int length);

    PangoFontDescription *pango_font_description_new (void);
    void pango_font_description_free (PangoFontDescription *desc);
    void pango_font_description_set_family (PangoFontDescription *desc, const char *family);
    const char *pango_font_description_get_family (const PangoFontDescription *desc);
    void pango_font_description_set_weight (PangoFontDescription *desc, int weight);
    void pango_font_description_set_style (PangoFontDescription *desc, int style);
    void pango_font_description_set_absolute_size (PangoFontDescription *desc, double size);

    PangoLayout *pango_layout_new (PangoContext *context);
    PangoContext *pango_layout_get_context (PangoLayout *layout);
    void pango_layout_set_text (PangoLayout *layout, const char *text, int length);
    const char *pango_layout_get_text (PangoLayout *layout);
    void pango_layout_set_font_description (PangoLayout *layout, const PangoFontDescription *desc);
    const PangoFontDescription *pango_layout_get_font_description (PangoLayout *layout);
    void pango_layout_set_attributes (PangoLayout *layout, PangoAttrList *attrs);
    void pango_layout_set_width (PangoLayout *layout, int width);
    int pango_layout_get_width (PangoLayout *layout);
    void pango_layout_set_height (PangoLayout *layout, int height);
    void pango_layout_set_wrap (PangoLayout *layout, int wrap);
    void pango_layout_set_ellipsize (PangoLayout *layout, int ellipsize);
    gboolean pango_layout_is_ellipsized (PangoLayout *layout);
    void pango_layout_set_alignment (PangoLayout *layout, int alignment);
    void pango_layout_get_size (PangoLayout *layout, int *width, int *height);
    int pango_layout_get_baseline (PangoLayout *layout);
    int pango_layout_get_line_count (PangoLayout *layout);
    int pango_layout_get_unknown_glyphs_count (PangoLayout *layout);
    void pango_layout_index_to_pos (PangoLayout *layout, int index_, PangoRectangle *pos);
    PangoLayoutLine *pango_layout_get_line_readonly (PangoLayout *layout, int line);
    int pango_layout_line_get_start_index (PangoLayoutLine *line);  /* Pango 1.50 */
    PangoLayoutIter *pango_layout_get_iter (PangoLayout *layout);
    void pango_layout_iter_free (PangoLayoutIter *iter);
    PangoLayoutRun *pango_layout_iter_get_run_readonly (PangoLayoutIter *iter);
    gboolean pango_layout_iter_next_run (PangoLayoutIter *iter);

    PangoAttrList *pango_attr_list_new (void);
    void pango_attr_list_unref (PangoAttrList *list);
    void pango_attr_list_insert (PangoAttrList *list, PangoAttribute *attr);
    PangoAttribute *pango_attr_letter_spacing_new (int letter_spacing);

    void pango_context_set_round_glyph_positions (PangoContext *context, gboolean round_positions);
    PangoFont *pango_context_load_font (PangoContext *context, const PangoFontDescription *desc);
    gboolean pango_font_has_char (PangoFont *font, gunichar wc);
    PangoFontFace *pango_font_get_face (PangoFont *font);
    PangoFontFamily *pango_font_face_get_family (PangoFontFace *face);
    const char *pango_font_family_get_name (PangoFontFamily *family);
    void pango_font_map_list_families (PangoFontMap *fontmap, PangoFontFamily ***families, int *n_families);
    PangoContext *pango_font_map_create_context (PangoFontMap *fontmap);

    PangoContext *pango_cairo_create_context (cairo_t *cr);
    void pango_cairo_context_set_font_options (PangoContext *context, const cairo_font_options_t *options);
    void pango_cairo_show_layout (cairo_t *cr, PangoLayout *layout);
    PangoFontMap *pango_cairo_font_map_get_default (void);
    void pango_cairo_font_map_set_default (PangoFontMap *fontmap);
    """
)

# The Linux sonames, opened by name (no search); elsewhere the usual lookup.
_LIBRARIES = {
    "gobject": ("libgobject-2.0.so.0", "gobject-2.0"),
    "pango": ("libpango-1.0.so.0", "pango-1.0"),
    "pangocairo": ("libpangocairo-1.0.so.0", "pangocairo-1.0"),
}


def _open(name: str) -> Any:
    soname, short = _LIBRARIES[name]
    try:
        return ffi.dlopen(soname)
    except OSError:
        found = ctypes.util.find_library(short)
        if found is None:
            raise OSError(f"the {short} library is not installed") from None
        return ffi.dlopen(found)


gobject = _open("gobject")
pango = _open("pango")
pangocairo = _open("pangocairo")

SCALE = 1024  # PANGO_SCALE: Pango units per user-space unit


class WrapMode(enum.IntEnum):
    WORD = 0
    CHAR = 1
    WORD_CHAR = 2


class EllipsizeMode(enum.IntEnum):
    NONE = 0
    START = 1
    MIDDLE = 2
    END = 3


class Alignment(enum.IntEnum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


class Style(enum.IntEnum):
    NORMAL = 0
    OBLIQUE = 1
    ITALIC = 2


class Direction(enum.IntEnum):
    LTR = 0
    RTL = 1


def unref_later(pointer: Any) -> Any:
    """`pointer` to a GObject Pango returned (a new reference), released when Python drops it."""
    return ffi.gc(pointer, gobject.g_object_unref)


def cairo_context(ctx: cairocffi.Context) -> Any:
    """A new PangoContext drawing on `ctx`, released when Python drops it."""
    return unref_later(pangocairo.pango_cairo_create_context(ctx._pointer))


def c_string(pointer: Any) -> bytes:
    """The bytes of a NUL-terminated `char *`. cffi's `ffi.string` is typed `bytes | str` because
    it answers str for `wchar_t *`; every string Pango hands us is UTF-8 `char *`."""
    value = ffi.string(pointer)
    assert isinstance(value, bytes)
    return value


def version() -> str:
    return c_string(pango.pango_version_string()).decode()
