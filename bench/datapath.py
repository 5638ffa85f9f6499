"""Where a dataset file lives, for the Python sides of the benchmarks."""
import os


def data_file(rel):
    """data/cache/<rel> (from `make data`), else $NLP_DATA_DIR/<rel>, as common/util.h's data_path."""
    cached = os.path.join("data", "cache", rel)
    env = os.environ.get("NLP_DATA_DIR")
    return cached if os.path.exists(cached) or not env else os.path.join(env, rel)
