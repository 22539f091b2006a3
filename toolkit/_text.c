/* Text kernels of toolkit.normalize in C: one pass over an article where the Python path runs
 * a regex scan per punctuation mark. Optional: when it is not built, the regexes do the work.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Bits of the class table (one byte per code point), built by toolkit.normalize. */
enum { CONTEXT = 1, WIDE_DIGIT = 2, LATIN = 4, CLOSE_QUOTE = 8 };

static Py_UCS4 wide(Py_UCS4 c)
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

/* Whether the ASCII mark c at i is Chinese punctuation by its neighbours (normalize._BY_NEIGHBOUR
 * and normalize._NEAR_DIGIT, which the docstring of fullwidth_punct explains). */
static int by_context(Py_UCS4 c, Py_ssize_t i, Py_ssize_t n, int kind, const void *data, const uint8_t *table)
{
    const Py_UCS4 before = i > 0 ? PyUnicode_READ(kind, data, i - 1) : 0;
    const Py_UCS4 after = i + 1 < n ? PyUnicode_READ(kind, data, i + 1) : 0;
    const uint8_t b = i > 0 ? table[before] : 0, a = i + 1 < n ? table[after] : 0;
    const int numeric = c == ',' || c == ':';  /* 1,000 and 10:30 keep their mark between digits */
    const uint8_t context = numeric ? CONTEXT : CONTEXT | WIDE_DIGIT;
    if ((b & context) || ((a & context) && !((b & LATIN) && (a & CLOSE_QUOTE))))
        return 1;
    if (!numeric || (b & CONTEXT) || (a & CONTEXT) || !((b | a) & WIDE_DIGIT))
        return 0;
    return !(i > 0 && i + 1 < n && Py_UNICODE_ISDIGIT(before) && Py_UNICODE_ISDIGIT(after));
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

static PyObject *fullwidth(PyObject *self, PyObject *args)
{
    PyObject *text, *bounds_list, *parens_list;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*OO", &text, &table, &bounds_list, &parens_list))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t *bounds = NULL, *parens = NULL, nbounds = 0, nparens = 0;
    Py_UCS4 *out = NULL;
    if (table.len != 0x110000) {
        PyErr_SetString(PyExc_ValueError, "fullwidth: the table has one byte per code point");
        goto done;
    }
    if (!read_positions(bounds_list, &bounds, &nbounds) || !read_positions(parens_list, &parens, &nparens))
        goto done;
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const uint8_t *classes = table.buf;
    Py_ssize_t changed = 0, span = 0, paren = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int change;
        if (c == '(' || c == ')') {
            while (paren < nparens && parens[paren] < i)
                paren++;
            change = paren < nparens && parens[paren] == i;
        } else if (c == ',' || c == ':' || c == ';' || c == '!' || c == '?') {
            while (span + 1 < nbounds && bounds[span + 1] <= i)  /* protected [start, end) pairs */
                span += 2;
            const int inside = span + 1 < nbounds && bounds[span] <= i && i < bounds[span + 1];
            change = !inside && by_context(c, i, n, kind, data, classes);
        } else {
            continue;
        }
        if (!change)
            continue;
        if (out == NULL) {
            out = PyMem_Malloc(n > 0 ? (size_t)n * sizeof(Py_UCS4) : 1);
            if (out == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            for (Py_ssize_t j = 0; j < n; j++)
                out[j] = PyUnicode_READ(kind, data, j);
        }
        out[i] = wide(c);
        changed++;
    }
    PyObject *str = out == NULL ? Py_NewRef(text) : PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n);
    if (str != NULL)
        result = Py_BuildValue("(Nn)", str, changed);
done:
    PyMem_Free(out);
    PyMem_Free(bounds);
    PyMem_Free(parens);
    PyBuffer_Release(&table);
    return result;
}

static PyMethodDef methods[] = {
    {"fullwidth", fullwidth, METH_VARARGS,
     "fullwidth(text, table, protected, parens) -> (text, count): the ASCII marks ,:;!? that their "
     "neighbours make Chinese punctuation, outside the protected [start, end) bounds (a flat sorted "
     "list), and the parentheses at the sorted positions parens, made full-width."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_text", NULL, 0, methods};

PyMODINIT_FUNC PyInit__text(void)
{
    return PyModule_Create(&module);
}
