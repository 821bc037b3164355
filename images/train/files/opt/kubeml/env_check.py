"""Print the versions of the ML stack baked into localhost/kubeml-train (used by smoke tests)."""
import json
import platform

import numpy
import pandas
import scipy
import sklearn

print(json.dumps({
    "python": platform.python_version(),
    "numpy": numpy.__version__,
    "scipy": scipy.__version__,
    "sklearn": sklearn.__version__,
    "pandas": pandas.__version__,
}))
