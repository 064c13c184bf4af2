#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *spam_add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLong(a + b);
}

static PyMethodDef SpamMethods[] = {
    {"add", spam_add, METH_VARARGS, "Add two integers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef spammodule = {PyModuleDef_HEAD_INIT, "_spam", NULL, -1, SpamMethods};

PyMODINIT_FUNC PyInit__spam(void) { return PyModule_Create(&spammodule); }
