import pytest

from egohands.apis.cli import run_cli
from egohands.utils.errors import AnnotationError


def _failing_main(argv):
    raise AnnotationError('ann.json: annotation 3: field keypoints_2d: '
                          'expected 21 x 2 numbers')


def test_user_error_is_one_line_and_status_2(capsys, monkeypatch):
    monkeypatch.delenv('EGOHANDS_DEBUG', raising=False)
    assert run_cli(_failing_main, ['cfg.py']) == 2
    err = capsys.readouterr().err
    assert err == ('error: ann.json: annotation 3: field keypoints_2d: '
                   'expected 21 x 2 numbers\n')


def test_debug_shows_the_exception(monkeypatch):
    monkeypatch.delenv('EGOHANDS_DEBUG', raising=False)
    with pytest.raises(AnnotationError):
        run_cli(_failing_main, ['cfg.py', '--debug'])
    monkeypatch.setenv('EGOHANDS_DEBUG', '1')
    with pytest.raises(AnnotationError):
        run_cli(_failing_main, ['cfg.py'])


def test_other_errors_are_not_hidden():
    def broken(argv):
        raise ZeroDivisionError('a bug')
    with pytest.raises(ZeroDivisionError):
        run_cli(broken, [])
    assert run_cli(lambda argv: None, []) == 0
