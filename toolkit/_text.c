/* Text kernels in C, each one pass over an article where the Python path makes several:
 * - fullwidth: toolkit.normalize.fullwidth_punct's marks, found in one pass and each decided by its
 *   neighbours, where the Python path runs a regex scan per mark and a loop over the parentheses;
 * - present: which of normalize's run-once fixers have characters to act on;
 * - histogram: how many characters have each value of a table (toolkit.decode.histogram);
 * - view: toolkit.dedup.matching_view's NFKC, lower case and filter.
 * Optional: when it is not built, the Python paths give the same results.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Bits of the class table (one byte per code point), built by toolkit.normalize. */
enum { CONTEXT = 1, WIDE_DIGIT = 2, LATIN = 4, CLOSE_QUOTE = 8, IDEOGRAPH = 16 };

static Py_UCS4 full_width(Py_UCS4 c)
{
    switch (c) {
    case ',': return 0xFF0C;
    case ':': return 0xFF1A;
    case ';': return 0xFF1B;
    case '!': return 0xFF01;
    case '?': return 0xFF1F;
    case '(': return 0xFF08;
    case ')': return 0xFF09;
    default: return c;
    }
}

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
    const uint8_t *table;
    const Py_ssize_t *bounds;  /* protected [start, end) pairs, sorted */
    Py_ssize_t nbounds;
} Text;

static inline Py_UCS4 at(const Text *t, Py_ssize_t i) { return PyUnicode_READ(t->kind, t->data, i); }

/* Whether the ASCII mark c at i is Chinese punctuation by its neighbours (normalize._BY_NEIGHBOUR
 * and normalize._NEAR_DIGIT, which the docstring of fullwidth_punct explains). */
static int by_context(const Text *t, Py_UCS4 c, Py_ssize_t i)
{
    const Py_ssize_t n = t->n;
    const Py_UCS4 before = i > 0 ? at(t, i - 1) : 0, after = i + 1 < n ? at(t, i + 1) : 0;
    const uint8_t b = i > 0 ? t->table[before] : 0, a = i + 1 < n ? t->table[after] : 0;
    const int numeric = c == ',' || c == ':';  /* 1,000 and 10:30 keep their mark between digits */
    const uint8_t context = numeric ? CONTEXT : CONTEXT | WIDE_DIGIT;
    if ((b & context) || ((a & context) && !((b & LATIN) && (a & CLOSE_QUOTE))))
        return 1;
    if (!numeric || (b & CONTEXT) || (a & CONTEXT) || !((b | a) & WIDE_DIGIT))
        return 0;
    return !(i > 0 && i + 1 < n && Py_UNICODE_ISDIGIT(before) && Py_UNICODE_ISDIGIT(after));
}

/* A character next to which a mark is Chinese punctuation (normalize._CTX_RE). */
static inline int context(const Text *t, Py_ssize_t i)
{
    return i >= 0 && i < t->n && (t->table[at(t, i)] & (CONTEXT | WIDE_DIGIT));
}

static inline int next_to_context(const Text *t, Py_ssize_t i) { return context(t, i - 1) || context(t, i + 1); }

/* Whether i is inside a protected [start, end) span; *span is where the search resumes, so that
 * positions asked in order cost one pass over the spans in all. */
static int protected(const Text *t, Py_ssize_t i, Py_ssize_t *span)
{
    while (*span + 1 < t->nbounds && t->bounds[*span + 1] <= i)
        *span += 2;
    return *span + 1 < t->nbounds && t->bounds[*span] <= i && i < t->bounds[*span + 1];
}

static inline int identifier(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* normalize._CALL.search(text, max(0, a - 64), a): the run of identifier characters that ends at
 * a starts with a lower-case letter or "_", no earlier than a - 64 (f(x, y), not Stellantis(14%)). */
static int call_before(const Text *t, Py_ssize_t a)
{
    Py_ssize_t r = a;
    while (r > 0 && identifier(at(t, r - 1)))
        r--;
    if (r == a || r < a - 64)
        return 0;
    const Py_UCS4 c = at(t, r);
    return (c >= 'a' && c <= 'z') || c == '_';
}

/* An ASCII mark or parenthesis of the text: where, which, and whether a line ends between the
 * parenthesis before it and it (a parenthesis never spans lines). */
typedef struct {
    Py_ssize_t at;
    Py_ssize_t ideograph;  /* for "(": where the first ideograph at or after it is (n if none) */
    Py_UCS4 c;
    int line;
    int wide;
} Mark;

/* normalize._parentheses over the parentheses among marks: set wide on those that are Chinese
 * punctuation. link: the text holds "](", which opens the target of a Markdown link. */
static int parentheses(const Text *t, Mark *marks, Py_ssize_t count, int link)
{
    Py_ssize_t *stack = PyMem_Malloc(count > 0 ? (size_t)count * sizeof(Py_ssize_t) : 1);
    Py_ssize_t *pairs = PyMem_Malloc(count > 0 ? (size_t)count * sizeof(Py_ssize_t) : 1);  /* open, close */
    Py_ssize_t *lone = PyMem_Malloc(count > 0 ? (size_t)count * sizeof(Py_ssize_t) : 1);
    if (stack == NULL || pairs == NULL || lone == NULL) {
        PyMem_Free(stack);
        PyMem_Free(pairs);
        PyMem_Free(lone);
        PyErr_NoMemory();
        return 0;
    }
    Py_ssize_t depth = 0, npairs = 0, nlone = 0, span = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        const Py_UCS4 c = marks[k].c;
        if (c != '(' && c != ')')
            continue;
        if (marks[k].line && depth > 0) {
            for (Py_ssize_t j = 0; j < depth; j++)
                lone[nlone++] = stack[j];
            depth = 0;
        }
        if (t->nbounds > 0 && protected(t, marks[k].at, &span))
            continue;
        if (c == '(')
            stack[depth++] = k;
        else if (depth > 0) {
            pairs[npairs++] = stack[--depth];
            pairs[npairs++] = k;
        } else
            lone[nlone++] = k;
    }
    for (Py_ssize_t j = 0; j < depth; j++)
        lone[nlone++] = stack[j];
    if (npairs > 0) {  /* one pass from the end: the first ideograph after each mark, for nested pairs too */
        Py_ssize_t next = t->n, k = count - 1;
        for (Py_ssize_t i = t->n - 1; i >= 0 && k >= 0; i--) {
            if (t->table[at(t, i)] & IDEOGRAPH)
                next = i;
            for (; k >= 0 && marks[k].at == i; k--)
                marks[k].ideograph = next;
        }
    }
    for (Py_ssize_t j = 0; j < npairs; j += 2) {
        const Py_ssize_t a = marks[pairs[j]].at, b = marks[pairs[j + 1]].at;
        if (link && a > 0 && at(t, a - 1) == ']')
            continue;
        const int inside = marks[pairs[j]].ideograph < b;
        if (context(t, a - 1) || inside || ((next_to_context(t, a) || next_to_context(t, b)) && !call_before(t, a)))
            marks[pairs[j]].wide = marks[pairs[j + 1]].wide = 1;
    }
    for (Py_ssize_t j = 0; j < nlone; j++) {
        const Py_ssize_t i = marks[lone[j]].at;
        if (next_to_context(t, i) && !(link && marks[lone[j]].c == '(' && i > 0 && at(t, i - 1) == ']'))
            marks[lone[j]].wide = 1;
    }
    PyMem_Free(stack);
    PyMem_Free(pairs);
    PyMem_Free(lone);
    return 1;
}

static int read_positions(PyObject *list, Py_ssize_t **out, Py_ssize_t *count)
{
    PyObject *seq = PySequence_Fast(list, "fullwidth: positions must be a sequence");
    if (seq == NULL)
        return 0;
    const Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
    *out = PyMem_Malloc(k > 0 ? (size_t)k * sizeof(Py_ssize_t) : 1);
    if (*out == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return 0;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        (*out)[j] = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq, j));
        if ((*out)[j] == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return 0;
        }
    }
    *count = k;
    Py_DECREF(seq);
    return 1;
}

/* Every ASCII mark ,:;!?() of the text, in order, in one pass; *link as parentheses() needs it. */
static Mark *collect(const Text *t, Py_ssize_t *count, int *link)
{
    Py_ssize_t size = 64, k = 0;
    Mark *marks = PyMem_Malloc((size_t)size * sizeof(Mark));
    if (marks == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    int line = 0;
    *link = 0;
    for (Py_ssize_t i = 0; i < t->n; i++) {
        const Py_UCS4 c = at(t, i);
        if (c > ')' && c != ',' && c != ':' && c != ';' && c != '?')
            continue;  /* most characters: one comparison */
        if (c == '\n') {
            line = 1;
            continue;
        }
        if (c != '(' && c != ')' && c != ',' && c != ':' && c != ';' && c != '!' && c != '?')
            continue;
        if (k == size) {
            size *= 2;
            Mark *grown = PyMem_Realloc(marks, (size_t)size * sizeof(Mark));
            if (grown == NULL) {
                PyMem_Free(marks);
                PyErr_NoMemory();
                return NULL;
            }
            marks = grown;
        }
        marks[k] = (Mark){i, t->n, c, 0, 0};
        if (c == '(' || c == ')') {
            marks[k].line = line;
            line = 0;
            *link |= c == '(' && i > 0 && at(t, i - 1) == ']';
        }
        k++;
    }
    *count = k;
    return marks;
}

static PyObject *fullwidth(PyObject *self, PyObject *args)
{
    PyObject *text, *bounds_list;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*O", &text, &table, &bounds_list))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t *bounds = NULL, nbounds = 0, count = 0;
    Mark *marks = NULL;
    int link;
    if (table.len != 0x110000) {
        PyErr_SetString(PyExc_ValueError, "fullwidth: the table has one byte per code point");
        goto done;
    }
    if (!read_positions(bounds_list, &bounds, &nbounds))
        goto done;
    const Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), table.buf, bounds,
                    nbounds};
    if ((marks = collect(&t, &count, &link)) == NULL || !parentheses(&t, marks, count, link))
        goto done;
    Py_ssize_t changed = 0, span = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        const Py_UCS4 c = marks[k].c;
        const Py_ssize_t i = marks[k].at;
        if (c != '(' && c != ')')
            marks[k].wide = !protected(&t, i, &span) && by_context(&t, c, i);
        changed += marks[k].wide;
    }
    if (changed == 0) {
        result = Py_BuildValue("(On)", text, (Py_ssize_t)0);
        goto done;
    }
    /* Only ASCII changes, to full-width forms below U+10000: the result is two bytes a character
     * unless the text has four (the narrowest kind that holds it, as Python requires). */
    PyObject *str = PyUnicode_New(t.n, t.kind == PyUnicode_4BYTE_KIND ? 0x10FFFF : 0xFFFF);
    if (str == NULL)
        goto done;
    const int kind = PyUnicode_KIND(str);
    void *data = PyUnicode_DATA(str);
    if (kind == t.kind)
        memcpy(data, t.data, (size_t)t.n * (size_t)kind);
    else
        for (Py_ssize_t i = 0; i < t.n; i++)
            PyUnicode_WRITE(kind, data, i, at(&t, i));
    for (Py_ssize_t k = 0; k < count; k++)
        if (marks[k].wide)
            PyUnicode_WRITE(kind, data, marks[k].at, full_width(marks[k].c));
    result = Py_BuildValue("(Nn)", str, changed);
done:
    PyMem_Free(marks);
    PyMem_Free(bounds);
    PyBuffer_Release(&table);
    return result;
}

/* present(text, table) -> int: the bits of table (one byte per code point) of every character of
 * text, or-ed together. */
static PyObject *present(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &table))
        return NULL;
    PyObject *result = NULL;
    if (table.len != 0x110000) {
        PyErr_SetString(PyExc_ValueError, "present: the table has one byte per code point");
        goto done;
    }
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const uint8_t *classes = table.buf;
    unsigned bits = 0;
    for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(text); i < n; i++)
        bits |= classes[PyUnicode_READ(kind, data, i)];
    result = PyLong_FromUnsignedLong(bits);
done:
    PyBuffer_Release(&table);
    return result;
}

/* histogram(text, table, out): out[v] (int64, 256 of them) = how many characters of text have the
 * value v in table (one byte per code point). */
static PyObject *histogram(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_buffer table, out;
    if (!PyArg_ParseTuple(args, "Uy*w*", &text, &table, &out))
        return NULL;
    PyObject *result = NULL;
    if (table.len != 0x110000 || out.len != 256 * 8) {
        PyErr_SetString(PyExc_ValueError, "histogram: one byte per code point, and 256 int64 counts");
        goto done;
    }
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const uint8_t *values = table.buf;
    int64_t *counts = out.buf;
    memset(counts, 0, 256 * sizeof(int64_t));
    for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(text); i < n; i++)
        counts[values[PyUnicode_READ(kind, data, i)]]++;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&table);
    PyBuffer_Release(&out);
    return result;
}

/* A buffer of code points, grown as needed (an expansion can make the text longer). */
typedef struct {
    Py_UCS4 *buf;
    Py_ssize_t len, cap;
} Points;

static int grow(Points *p)
{
    Py_ssize_t cap = 2 * p->cap + 64;
    Py_UCS4 *buf = PyMem_Realloc(p->buf, (size_t)cap * sizeof(Py_UCS4));
    if (!buf) {
        PyErr_NoMemory();
        return -1;
    }
    p->buf = buf;
    p->cap = cap;
    return 0;
}

static inline int push(Points *p, Py_UCS4 c)
{
    if (p->len == p->cap && grow(p) < 0)
        return -1;
    p->buf[p->len++] = c;
    return 0;
}

/* Characters with NFC_Quick_Check=Yes and canonical combining class 0 (a test checks every one
 * against unicodedata): a text of these only is NFC, with no check. */
static inline int plain(Py_UCS4 c)
{
    return c < 0x300 || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF)
        || (c >= 0x3000 && c <= 0x3029) || (c >= 0x3030 && c <= 0x303F) || (c >= 0x2010 && c <= 0x2027)
        || (c >= 0x25A0 && c <= 0x25FF);
}

#define SEVERAL 0xFFFFFFFFu

typedef struct {
    Points replaced, kept;
    const uint32_t *lowered;
    int plain;
} View;

/* One character of the replaced text, and its lower case in the view where the view keeps it.
 * 1 for U+0130 and U+03A3, which lower by context. */
static inline int emit(View *v, Py_UCS4 c)
{
    if (c == 0x130 || c == 0x3A3)
        return 1;
    v->plain &= plain(c);
    if (push(&v->replaced, c) < 0 || (v->lowered[c] && push(&v->kept, v->lowered[c]) < 0))
        return -1;
    return 0;
}

/* view(text, to, lowered, expansions) -> (view, replaced) or None; see dedup.matching_view. */
static PyObject *view(PyObject *self, PyObject *args)
{
    PyObject *text, *expansions;
    Py_buffer to, lowered;
    if (!PyArg_ParseTuple(args, "Uy*y*O!", &text, &to, &lowered, &PyDict_Type, &expansions))
        return NULL;
    PyObject *result = NULL;
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    View v = {{NULL, 0, 0}, {NULL, 0, 0}, lowered.buf, 1};
    if (to.len != 0x110000 * 4 || lowered.len != 0x110000 * 4) {
        PyErr_SetString(PyExc_ValueError, "view: the tables hold one uint32 per code point");
        goto done;
    }
    v.replaced.cap = v.kept.cap = n;
    v.replaced.buf = PyMem_Malloc((size_t)n * sizeof(Py_UCS4) + 1);
    v.kept.buf = PyMem_Malloc((size_t)n * sizeof(Py_UCS4) + 1);
    if (!v.replaced.buf || !v.kept.buf) {
        PyErr_NoMemory();
        goto done;
    }
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const uint32_t *map = to.buf;
    int status = 0;
    for (Py_ssize_t i = 0; i < n && status == 0; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        uint32_t to_c = map[c];
        if (to_c < 0x110000) {
            status = emit(&v, to_c);
            continue;
        }
        PyObject *key = PyLong_FromUnsignedLong(c);
        if (!key)
            goto done;
        PyObject *several = PyDict_GetItemWithError(expansions, key);
        Py_DECREF(key);
        if (!several || !PyUnicode_Check(several)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "view: no expansion of U+%04X", (unsigned)c);
            goto done;
        }
        for (Py_ssize_t k = 0, m = PyUnicode_GET_LENGTH(several); k < m && status == 0; k++) {
            Py_UCS4 e = PyUnicode_READ_CHAR(several, k);
            status = e < 0x110000 ? emit(&v, e) : -1;
        }
    }
    if (status < 0)
        goto done;
    if (status > 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    PyObject *shown = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, v.kept.buf, v.kept.len);
    PyObject *full = v.plain ? Py_NewRef(Py_None)
        : PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, v.replaced.buf, v.replaced.len);
    if (shown && full)
        result = PyTuple_Pack(2, shown, full);
    Py_XDECREF(shown);
    Py_XDECREF(full);
done:
    PyMem_Free(v.replaced.buf);
    PyMem_Free(v.kept.buf);
    PyBuffer_Release(&to);
    PyBuffer_Release(&lowered);
    return result;
}

static PyMethodDef methods[] = {
    {"fullwidth", fullwidth, METH_VARARGS,
     "fullwidth(text, table, protected) -> (text, count): the ASCII marks ,:;!?() that their "
     "neighbours make Chinese punctuation, outside the protected [start, end) bounds (a flat sorted "
     "list), made full-width."},
    {"present", present, METH_VARARGS,
     "present(text, table) -> int: the class bits (table: one byte per code point) found in text, or-ed."},
    {"histogram", histogram, METH_VARARGS,
     "histogram(text, table, out): out[v] (256 int64) = how many characters of text have the value v "
     "in table (one byte per code point)."},
    {"view", view, METH_VARARGS,
     "view(text, to, lowered, expansions) -> (view, replaced) or None. replaced: text with each "
     "character c replaced by to[c] (uint32 per code point; 0xFFFFFFFF: by the string "
     "expansions[c]), or None when it holds only characters that make it NFC. view: the characters "
     "of replaced with a nonzero lowered[c] (uint32 per code point), as lowered[c]. None when "
     "replaced would hold U+0130 or U+03A3, which lower by context."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_text", NULL, 0, methods};

PyMODINIT_FUNC PyInit__text(void)
{
    return PyModule_Create(&module);
}
