from fedipress.cli import main

main()
