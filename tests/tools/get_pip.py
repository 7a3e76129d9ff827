#!/usr/bin/env python
"""Stand-in for get-pip.py, for ansible-test's pip bootstrap on machines that reach only PyPI.

ansible-test creates each sanity-test virtual environment without pip, then runs
``~/.ansible/test/cache/get_pip_<version>.py`` (which it would otherwise download from
its own file server) with get-pip.py's arguments, for example::

    get_pip_25_2.py --disable-pip-version-check pip==25.2 --no-setuptools --no-wheel

This script accepts the same arguments and does what get-pip.py does: it runs pip from
the pip wheel that the running interpreter bundles for ``ensurepip`` (no download) and
has it install the requested pip (and setuptools / wheel unless told not to) from the
package index that pip is configured to use. ``make sanity`` copies it into place.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import sys


def bundled_pip_wheel():
    """Return the path of the pip wheel that ensurepip would install, or None."""
    spec = importlib.util.find_spec('ensurepip')
    if spec is None or not spec.origin:
        return None
    places = [os.path.join(os.path.dirname(spec.origin), '_bundled')]
    # Debian-style builds keep the wheels outside the standard library.
    places.append('/usr/share/python-wheels')
    for place in places:
        wheels = sorted(glob.glob(os.path.join(place, 'pip-*.whl')))
        if wheels:
            return wheels[-1]
    return None


def wanted(name, refused, env_name):
    """Tell whether get-pip.py would add ``name`` to the packages it installs."""
    if refused or os.environ.get(env_name):
        return False
    return importlib.util.find_spec(name) is None


def pip_arguments(argv):
    """Build pip's command line from get-pip.py's arguments."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--no-setuptools', action='store_true')
    parser.add_argument('--no-wheel', action='store_true')
    known, rest = parser.parse_known_args(argv)
    packages = ['pip']
    if wanted('setuptools', known.no_setuptools, 'PIP_NO_SETUPTOOLS'):
        packages.append('setuptools')
    if wanted('wheel', known.no_wheel, 'PIP_NO_WHEEL'):
        packages.append('wheel')
    return ['install', '--upgrade', '--force-reinstall'] + rest + packages


def main():
    """Install pip into the running interpreter's environment."""
    wheel = bundled_pip_wheel()
    if wheel is None:
        sys.stderr.write('get_pip: no bundled pip wheel found (is ensurepip installed for %s?)\n' % sys.executable)
        return 1
    sys.path.insert(0, wheel)
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    return pip_main(pip_arguments(sys.argv[1:]))


if __name__ == '__main__':
    sys.exit(main())
