"""Outside systems Runpad talks to: Infisical, AWS CloudWatch, the npm and PyPI registries, a
container registry's probe, and bounded HTTP (deadlines for every call to them)."""
