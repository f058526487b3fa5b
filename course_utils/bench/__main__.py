"""``python -m course_utils.bench [names...]``: run the registered benchmarks."""
import sys

from course_utils.bench import main

sys.exit(main())
