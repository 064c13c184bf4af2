#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, NULL};

PyMODINIT_FUNC PyInit__speedups(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(Py_True);
    if (PyModule_AddObject(m, "SPEEDUPS", Py_True) < 0) {
        Py_DECREF(Py_True);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
