"""Runs one Django-side step of a scenario in its own process:
``python -m bench.djstep <scenario> <function> '<json kwargs>'``.

The harness starts this with DJANGO_SETTINGS_MODULE and DATABASE_URL pointing at the
scenario's database; the function's JSON-ready result is printed on a marked line.
"""

import importlib
import json
import os
import sys


def main(argv):
    scenario, func, params = argv[1], argv[2], json.loads(argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skypark.settings.bench")
    import django

    django.setup()
    from bench.harness import DJSTEP_MARKER
    from bench.scenarios import module_name

    module = importlib.import_module(module_name(scenario))
    result = getattr(module, func)(**params)
    print(DJSTEP_MARKER + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv)
