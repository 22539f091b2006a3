/* The MinHash kernel of toolkit.dedup in C: the same values as the numpy path, computed in one
 * pass over the shingles instead of three numpy passes over a (permutations x shingles) block;
 * and the window hashes the shingles come from, rolled in one pass (with fmix64, the shingles).
 * Optional: when it is not built, toolkit.dedup uses numpy.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* MurmurHash3's fmix32, as datasketch applies it to a 32-bit shingle hash. */
static inline uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

/* One build runs everywhere; on x86-64 the loader picks the AVX-512 or AVX2 copy where the CPU has it. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef VECTOR_CLONES
#define VECTOR_CLONES
#endif

/* out[p * nsets + s] = min over the shingles h of set s of (a[p] * fmix32(h) + b[p]) mod 2**32.
 * The permutations are the inner loop: contiguous, so the compiler vectorizes across them. */
VECTOR_CLONES
static void minhash_sets(const uint32_t *hashes, const int64_t *counts, Py_ssize_t nsets,
                         const uint32_t *a, const uint32_t *b, Py_ssize_t count, uint32_t *mins,
                         uint32_t *out)
{
    const uint32_t *h = hashes;
    for (Py_ssize_t s = 0; s < nsets; s++) {
        for (Py_ssize_t p = 0; p < count; p++)
            mins[p] = UINT32_MAX;
        for (int64_t i = 0; i < counts[s]; i++) {
            const uint32_t v = fmix32(h[i]);
            for (Py_ssize_t p = 0; p < count; p++) {
                const uint32_t x = a[p] * v + b[p];
                mins[p] = x < mins[p] ? x : mins[p];
            }
        }
        for (Py_ssize_t p = 0; p < count; p++)
            out[p * nsets + s] = mins[p];
        h += counts[s];
    }
}

static int check(int ok, const char *message)
{
    if (!ok)
        PyErr_SetString(PyExc_ValueError, message);
    return ok;
}

/* Whether the int64 set sizes of counts are all non-negative and add up to nhashes; else a ValueError naming fn. */
static int valid_counts(const int64_t *c, Py_ssize_t nsets, Py_ssize_t nhashes, const char *fn)
{
    int64_t total = 0;
    for (Py_ssize_t s = 0; s < nsets; s++) {
        if (c[s] < 0) {
            PyErr_Format(PyExc_ValueError, "%s: negative count", fn);
            return 0;
        }
        total += c[s];
    }
    if (total != nhashes) {
        PyErr_Format(PyExc_ValueError, "%s: the counts must add up to the number of hashes", fn);
        return 0;
    }
    return 1;
}

static PyObject *minhash(PyObject *self, PyObject *args)
{
    Py_buffer hashes, counts, a, b, out;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*", &hashes, &counts, &a, &b, &out))
        return NULL;
    PyObject *result = NULL;
    const Py_ssize_t nsets = counts.len / 8, count = a.len / 4;
    uint32_t *mins = NULL;
    if (!check(hashes.len % 4 == 0 && counts.len % 8 == 0 && a.len % 4 == 0 && b.len == a.len,
               "minhash: hashes and a, b are uint32, counts int64, a and b of one length")
        || !check(out.len == 4 * count * nsets, "minhash: out must hold len(a) * len(counts) uint32"))
        goto done;
    const int64_t *c = counts.buf;
    if (!valid_counts(c, nsets, hashes.len / 4, "minhash"))
        goto done;
    mins = PyMem_Malloc(count > 0 ? (size_t)count * sizeof(uint32_t) : 1);
    if (mins == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    minhash_sets(hashes.buf, c, nsets, a.buf, b.buf, count, mins, out.buf);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(mins);
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&out);
    return result;
}

/* out[i] = sum(codes[i + k] * poly**(n - 1 - k) for k < n) modulo 2**64 for each window of n code
 * points, rolled from one window to the next (toolkit.dedup.window_hashes in numpy takes four passes). */
static PyObject *windows(PyObject *self, PyObject *args)
{
    Py_buffer codes, out;
    Py_ssize_t n;
    unsigned long long poly;
    if (!PyArg_ParseTuple(args, "y*nKw*", &codes, &n, &poly, &out))
        return NULL;
    PyObject *result = NULL;
    const Py_ssize_t size = codes.len / 4, count = size - n + 1;
    if (!check(codes.len % 4 == 0 && n >= 1 && count >= 1, "windows: codes are uint32, 1 <= n <= len(codes)")
        || !check(out.len == 8 * count, "windows: out must hold len(codes) - n + 1 uint64"))
        goto done;
    Py_BEGIN_ALLOW_THREADS
    const uint32_t *c = codes.buf;
    uint64_t *h = out.buf;
    uint64_t top = 1, x = 0;  /* top = poly**(n - 1): the weight of a window's first code point */
    for (Py_ssize_t k = 0; k < n; k++) {
        x = x * poly + c[k];
        if (k > 0)
            top *= poly;
    }
    h[0] = x;
    for (Py_ssize_t i = 1; i < count; i++) {
        x = (x - c[i - 1] * top) * poly + c[i + n - 1];
        h[i] = x;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&codes);
    PyBuffer_Release(&out);
    return result;
}

static inline uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* shingles(codes, lengths, n, poly, out): for each of the consecutive texts of codes (lengths: int64,
 * each at least n), the high 32 bits of fmix64 of each of its windows' hashes (as windows() computes
 * them): the dedup shingles, with no window crossing from one text into the next. */
static PyObject *shingles(PyObject *self, PyObject *args)
{
    Py_buffer codes, lengths, out;
    Py_ssize_t n;
    unsigned long long poly;
    if (!PyArg_ParseTuple(args, "y*y*nKw*", &codes, &lengths, &n, &poly, &out))
        return NULL;
    PyObject *result = NULL;
    const int64_t *len = lengths.buf;
    const Py_ssize_t ntexts = lengths.len / 8;
    if (!check(codes.len % 4 == 0 && lengths.len % 8 == 0 && n >= 1, "shingles: codes uint32, lengths int64, n >= 1")
        || !valid_counts(len, ntexts, codes.len / 4, "shingles"))
        goto done;
    int64_t windows = 0;
    for (Py_ssize_t s = 0; s < ntexts; s++) {
        if (!check(len[s] >= n, "shingles: every text holds at least n code points"))
            goto done;
        windows += len[s] - n + 1;
    }
    if (!check(out.len == 4 * windows, "shingles: out must hold one uint32 a window"))
        goto done;
    Py_BEGIN_ALLOW_THREADS
    const uint32_t *c = codes.buf;
    uint32_t *o = out.buf;
    uint64_t top = 1;  /* poly**(n - 1): the weight of a window's first code point */
    for (Py_ssize_t k = 1; k < n; k++)
        top *= poly;
    for (Py_ssize_t s = 0; s < ntexts; s++) {
        uint64_t x = 0;
        for (Py_ssize_t k = 0; k < n; k++)
            x = x * poly + c[k];
        *o++ = (uint32_t)(fmix64(x) >> 32);
        for (int64_t i = 1; i <= len[s] - n; i++) {
            x = (x - c[i - 1] * top) * poly + c[i + n - 1];
            *o++ = (uint32_t)(fmix64(x) >> 32);
        }
        c += len[s];
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&codes);
    PyBuffer_Release(&lengths);
    PyBuffer_Release(&out);
    return result;
}

/* out[s] = whether set s of the consecutive sets of hashes (counts: int64 set sizes) holds at least
 * k distinct values. The values seen go in a list searched one by one, and the search stops at k:
 * a real text has k distinct shingles among its first k. */
static PyObject *enough(PyObject *self, PyObject *args)
{
    Py_buffer hashes, counts, out;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "y*y*nw*", &hashes, &counts, &k, &out))
        return NULL;
    PyObject *result = NULL;
    uint32_t *seen = NULL;
    const Py_ssize_t nsets = counts.len / 8;
    if (!check(hashes.len % 4 == 0 && counts.len % 8 == 0 && k >= 1, "enough: hashes uint32, counts int64, k >= 1")
        || !check(out.len == nsets, "enough: out must hold one bool a set"))
        goto done;
    const int64_t *c = counts.buf;
    if (!valid_counts(c, nsets, hashes.len / 4, "enough"))
        goto done;
    seen = PyMem_Malloc((size_t)k * sizeof(uint32_t));
    if (seen == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const uint32_t *h = hashes.buf;
    uint8_t *o = out.buf;
    for (Py_ssize_t s = 0; s < nsets; s++) {
        Py_ssize_t distinct = 0;
        for (int64_t i = 0; i < c[s] && distinct < k; i++) {
            Py_ssize_t j = 0;
            while (j < distinct && seen[j] != h[i])
                j++;
            if (j == distinct)
                seen[distinct++] = h[i];
        }
        o[s] = distinct >= k;
        h += c[s];
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(seen);
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"minhash", minhash, METH_VARARGS,
     "minhash(hashes, counts, a, b, out): the MinHash values of consecutive sets of uint32 shingle "
     "hashes (counts: int64 set sizes) under the permutations (a, b), into out (uint32, "
     "len(a) rows of len(counts))."},
    {"enough", enough, METH_VARARGS,
     "enough(hashes, counts, k, out): out[s] (bool) = whether set s of the consecutive sets of uint32 "
     "hashes (counts: int64 set sizes) holds at least k distinct values."},
    {"windows", windows, METH_VARARGS,
     "windows(codes, n, poly, out): the polynomial hash modulo 2**64 of every window of n uint32 code "
     "points, into out (uint64, len(codes) - n + 1)."},
    {"shingles", shingles, METH_VARARGS,
     "shingles(codes, lengths, n, poly, out): for each of the consecutive texts of uint32 code points "
     "(lengths: int64, each at least n), the high 32 bits of fmix64 of the hash of each window of n, "
     "into out (uint32, sum(lengths) - len(lengths) * (n - 1))."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_minhash", NULL, 0, methods};

PyMODINIT_FUNC PyInit__minhash(void)
{
    return PyModule_Create(&module);
}
