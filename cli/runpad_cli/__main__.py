from runpad_cli.main import cli

cli()
