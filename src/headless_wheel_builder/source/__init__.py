"""Source: turn what the user named (a folder, an sdist or zip, a git URL) into a project
folder on disk: safe archive extraction (``archive``) and hardened git (``git``)."""
