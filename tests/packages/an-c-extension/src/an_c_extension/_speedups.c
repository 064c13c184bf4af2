#include <Python.h>

/* The architecture this module was compiled for, as the compiler saw it. */
#if defined(__aarch64__)
#define BUILT_FOR "aarch64"
#elif defined(__x86_64__)
#define BUILT_FOR "x86_64"
#elif defined(__i386__)
#define BUILT_FOR "i686"
#elif defined(__powerpc64__)
#define BUILT_FOR "ppc64le"
#elif defined(__s390x__)
#define BUILT_FOR "s390x"
#elif defined(__arm__)
#define BUILT_FOR "armv7l"
#else
#define BUILT_FOR "unknown"
#endif

static PyObject *built_for(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(BUILT_FOR);
}

static PyMethodDef methods[] = {
    {"built_for", built_for, METH_NOARGS, "The architecture this module was compiled for."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
