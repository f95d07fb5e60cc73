"""Dependency specs are validated and normalised before they reach a build."""

import pytest

from app.services.dependencies import DependencyError, deps_hash, normalise, npm_package_json, pypi_requirements

SHELL_ATTACKS = ["a; rm -rf /", "$(id)", "`id`", "a && curl x|sh", "a|b", "a > /etc/passwd", "a\nb", "'a'"]


def test_npm_specs_are_normalised_and_sorted():
    assert normalise("node", ["dayjs@^1.11", "@scope/pkg@2", "lodash", "x@>=1.0.0  <2"]) == [
        "@scope/pkg@2",
        "dayjs@^1.11",
        "lodash@latest",
        "x@>=1.0.0 <2",
    ]


def test_pypi_specs_are_normalised_and_sorted():
    assert normalise("python", ["requests==2.32.3", "pydantic>=2,<3", "Foo_Bar[b,a]~=1.0"]) == [
        "foo-bar[a,b]~=1.0",
        "pydantic<3,>=2",
        "requests==2.32.3",
    ]


@pytest.mark.parametrize(
    "spec",
    SHELL_ATTACKS
    + ["../x", "X@1", "x@file:../a", "x@git+https://h/r", "x@npm:y@1", "x@http://h/x.tgz", "@/x", "." * 215],
)
def test_bad_npm_specs_are_refused_with_the_spec_named(spec):
    with pytest.raises(DependencyError) as err:
        normalise("node", [spec])
    assert repr(spec.strip()) in str(err.value)


@pytest.mark.parametrize(
    "spec",
    SHELL_ATTACKS
    + [
        "-r /etc/passwd",
        "--index-url http://evil",
        "-e .",
        "pkg @ https://x/y.whl",
        "pkg==1 # c",
        "requests; rm -rf /",
    ],
)
def test_bad_pypi_specs_are_refused(spec):
    with pytest.raises(DependencyError) as err:
        normalise("python", [spec])
    assert "PyPI requirement" in str(err.value) and repr(spec.strip()) in str(err.value)


def test_unknown_runtime_and_too_many_and_duplicates():
    with pytest.raises(DependencyError, match="unknown runtime 'ruby'"):
        normalise("ruby", [])
    with pytest.raises(DependencyError, match="at most 50"):
        normalise("node", [f"p{i}@1" for i in range(51)])
    with pytest.raises(DependencyError, match="more than once: requests"):
        normalise("python", ["requests==1", "Requests>=2"])


def test_hash_depends_on_runtime_base_runner_and_set_not_order():
    a = deps_hash("node", ["a@1", "b@2"], "base1", "r1")
    assert a == deps_hash("node", ["b@2", "a@1"], "base1", "r1")
    assert (
        len(
            {
                a,
                deps_hash("python", ["a@1", "b@2"], "base1", "r1"),
                deps_hash("node", ["a@1", "b@2"], "base2", "r1"),
                deps_hash("node", ["a@1", "b@2"], "base1", "r2"),
                deps_hash("node", ["a@1"], "base1", "r1"),
            }
        )
        == 5
    )


def test_build_files_carry_specs_as_data():
    assert '"@scope/pkg": "2"' in npm_package_json(["@scope/pkg@2"])
    assert pypi_requirements(["a==1", "b>=2"]) == "a==1\nb>=2\n"
