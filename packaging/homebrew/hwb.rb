# Homebrew formula for hwb (for a tap such as hwb-dev/homebrew-tap once hwb is on PyPI).
# Untested on Homebrew until published: fill in the sdist's sha256, then generate the
# dependency resources with `brew update-python-resources hwb` (they are not listed here).
class Hwb < Formula
  include Language::Python::Virtualenv

  desc "Build correct, portable Python wheels and sdists from any source, and publish them"
  homepage "https://github.com/hwb-dev/headless-wheel-builder"
  url "https://files.pythonhosted.org/packages/source/h/headless-wheel-builder/headless_wheel_builder-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "MIT"

  depends_on "python@3.12"
  depends_on "uv"

  def install
    virtualenv_install_with_resources
  end

  test do
    assert_match "hwb #{version}", shell_output("#{bin}/hwb --version")
    (testpath/"pkg/pyproject.toml").write <<~TOML
      [project]
      name = "demo"
      version = "1.0"
    TOML
    assert_match "demo", shell_output("#{bin}/hwb inspect #{testpath}/pkg")
  end
end
