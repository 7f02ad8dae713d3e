"""``python -m gql.cli``: the same commands as the ``gql`` script."""

from gql.cli import main

# The guard matters: `gql load`'s parse workers are spawned processes that import the
# main module again (as ``__mp_main__``), and must not run a command of their own.
if __name__ == "__main__":
    main()
