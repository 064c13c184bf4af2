"""Build caches: reusable build environments and built wheels.

``envs.py`` keeps one virtual environment per interpreter + build requirements + installer at
a stable path (so ccache/sccache see the same include paths every time), created under a file
lock and reused without any installer run.  ``wheels.py`` keeps built artifacts keyed by
everything that can change them (``keys.py``), each stored with its sha256 and checked before
it is served.  ``store.py`` holds the folder layout, atomic writes and hit/miss counters;
``manage.py`` the sizes, pruning and clearing behind ``hwb cache``.
"""
