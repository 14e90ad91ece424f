"""lofin's operations code: topology, config templates, pyinfra deploys and the two-region local lab."""
