"""A failed dependency install's output read into a build error: the package and the package manager's
own words (outputs as npm 10, npm 8 and uv print them; tests/integration/test_build_errors.py gets
them from real builds)."""

from app.core.runtimes import Ecosystem
from workers.runtime.install_errors import MAX_QUOTE, explain

FAILED = "the install step failed with exit code 1"
NPM_404 = """installing 1 npm package(s)
npm error code E404
npm error 404 File not found - GET http://10.99.0.2:4873/runpad-missing
npm error 404
npm error 404  'runpad-missing@1.0.0' is not in this registry.
npm error 404
npm error 404 Note that you can also install from a
npm error 404 tarball, folder, http url, or git url.
npm error A complete log of this run can be found in: /tmp/.npm/_logs/2026-12-01T10_34_48_151Z-debug-0.log"""
NPM8_NOTARGET = """npm ERR! code ETARGET
npm ERR! notarget No matching version found for @scope/thing@9.9.9.
npm ERR! notarget In most cases you or one of your dependencies are requesting
npm ERR! notarget a package version that doesn't exist.

npm ERR! A complete log of this run can be found in:
npm ERR!     /tmp/.npm/_logs/2026-12-01T10_00_00_000Z-debug-0.log"""
NPM_SCRIPT = """> evil@1.0.0 preinstall
> node boom.js
npm error code 1
npm error path /opt/runpad/deps/node_modules/evil
npm error command failed
npm error command sh -c node boom.js
npm error Error: boom
npm error     at Object.<anonymous> (/opt/runpad/deps/node_modules/evil/boom.js:1:7)"""
UV_MISSING = """Using Python 3.11.2 environment at: /opt/runpad/venv
  × No solution found when resolving dependencies:
  ╰─▶ Because runpad-missing was not found in the package registry
      and you require runpad-missing==1.0, we can conclude that your
      requirements are unsatisfiable."""
UV_NO_VERSION = """  × No solution found when resolving dependencies:
  ╰─▶ Because there is no version of Six==99.0.0 and you require six==99.0.0,
      we can conclude that your requirements are unsatisfiable."""
UV_BUILD = """  × Failed to build `broken-sdist==0.1`
  ├─▶ The build backend returned an error
  ╰─▶ Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)"""


def npm(output: str, requested: dict[str, str] | None = None) -> str:
    return explain(Ecosystem.npm, FAILED, output.splitlines(), requested or {})


def uv(output: str, requested: dict[str, str] | None = None) -> str:
    return explain(Ecosystem.pypi, FAILED, output.splitlines(), requested or {})


def test_npm_names_a_package_its_registry_does_not_have_with_its_own_words():
    assert npm(NPM_404, {"runpad-missing": "runpad-missing@1.0.0"}) == (
        "npm could not install runpad-missing@1.0.0: E404 'runpad-missing@1.0.0' is not in this registry."
    )


def test_npm_8_names_a_scoped_package_without_the_version_asked_for():
    assert npm(NPM8_NOTARGET) == (
        "npm could not install @scope/thing: ETARGET No matching version found for @scope/thing@9.9.9."
    )


def test_an_install_script_that_fails_is_named_by_its_package_with_npm_s_lines():
    said = npm(NPM_SCRIPT, {"evil": "evil@^1"})
    assert said.startswith("npm could not install evil@^1: code 1 · path /opt/runpad/deps/node_modules/evil")
    assert "Error: boom" in said and " at Object" not in said  # a stack trace is not the reason


def test_uv_names_the_package_the_index_does_not_have():
    assert uv(UV_MISSING, {"runpad-missing": "runpad-missing==1.0"}) == (
        "uv could not install runpad-missing==1.0: No solution found when resolving dependencies: Because "
        "runpad-missing was not found in the package registry and you require runpad-missing==1.0, we can "
        "conclude that your requirements are unsatisfiable."
    )


def test_uv_names_a_package_by_its_canonical_name_and_a_build_that_failed():
    assert uv(UV_NO_VERSION, {"six": "six==99.0.0"}).startswith("uv could not install six==99.0.0: No solution")
    assert uv(UV_BUILD) == (
        "uv could not install broken-sdist: Failed to build `broken-sdist==0.1` The build backend returned an "
        "error Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)"
    )


def test_output_that_names_no_package_is_quoted_after_the_exit_and_trimmed():
    refused = "npm error code ECONNREFUSED\nnpm error syscall connect\n" + "npm error " + "why " * 300
    said = npm(refused)
    assert said.startswith(f"{FAILED}; npm says: code ECONNREFUSED · syscall connect · why why")
    assert len(said) <= len(FAILED) + len("; npm says: ") + MAX_QUOTE and said.endswith("…")


def test_output_without_the_package_manager_s_error_is_the_exit_alone():
    assert npm("added 0 packages\nKilled") == FAILED
    assert uv("Resolved 3 packages in 20ms") == FAILED
