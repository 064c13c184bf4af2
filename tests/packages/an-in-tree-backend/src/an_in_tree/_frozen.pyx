cdef class Frozen:
    pass
