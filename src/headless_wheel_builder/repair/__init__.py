"""Repair: make platform wheels portable (auditwheel, delocate, delvewheel), check their final
tags and glibc symbols (``elf``), and install the repair tools on first use (``tools``)."""
