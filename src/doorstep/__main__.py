"""``python -m doorstep``: the same as the ``doorstep`` command."""

from doorstep.cli.entry import main

main()
