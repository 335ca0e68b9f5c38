"""Runs llama-cpp-python's OpenAI-compatible server (the arguments are its own) and stops it
when the process that started it goes away, so a test that is killed leaves no server behind.

Usage: python serve.py --model M.gguf --model_alias NAME --port N ...
"""

import os
import sys
import threading
import time


def watch_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    from llama_cpp.server.__main__ import main

    sys.argv = ["llama_cpp.server", *sys.argv[1:]]
    main()
