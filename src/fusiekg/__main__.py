"""`python -m fusiekg` is the `fusiekg` command."""

from .cli import main

main()
