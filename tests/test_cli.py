"""The CLI front end: dispatch, help, and one-line errors."""

import pytest

from simulator import cli


def test_help_lists_every_registered_command(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMAND_MODULES:
        assert name in out, f"command {name!r} missing from --help"


def test_unknown_command_exits_nonzero(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code != 0


def test_lazy_help_lines_equal_each_command_modules_own_help():
    """The one-line help --help shows without importing a command equals what the module registers."""
    full = cli.build_parser()
    actions = [a for a in full._actions if a.__class__.__name__ == "_SubParsersAction"][0]
    registered = {choice.dest: choice.help for choice in actions._choices_actions}
    assert registered == cli.COMMANDS, "cli.COMMANDS differs from the modules' register() help"


def test_help_imports_no_command_module():
    """`junocam-sim --help` lists every command without importing their (heavy) modules."""
    import subprocess
    import sys

    code = ("import sys\nfrom simulator import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in sys.modules if m.startswith('simulator.commands.') or m in ('numba', 'spiceypy', "
            "'astropy', 'scipy')], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
    for name in cli.COMMANDS:
        assert name in done.stdout, f"command {name!r} missing from --help"



def test_console_entry_tunes_the_collector_and_exits_with_mains_status():
    """The console script (``console_main``, also ``python -m simulator.cli``) sets the command's collector
    thresholds, runs main, freezes the heap before the interpreter's final collection, and exits with main's
    status. In a child process (freezing this test process's heap would keep its garbage for the session),
    with a stand-in main that records the thresholds it ran under."""
    import subprocess
    import sys

    code = ("import gc, sys\nfrom simulator import cli\nseen = []\n"
            "cli.main = lambda: seen.append(gc.get_threshold()) or 3\ntry:\n    cli.console_main()\n"
            "except SystemExit as exc:\n    print('EXIT', exc.code, seen, gc.get_freeze_count() > 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"EXIT 3 [{tuple(cli.CONSOLE_GC_THRESHOLDS)}] True", done.stdout + done.stderr
