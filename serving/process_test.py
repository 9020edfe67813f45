"""The infra validation's server process: the standby a run starts is the one taken, and none outlives its parent."""
import os
import signal
import subprocess
import sys
import time

from serving import process


def _gone(pid: int, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split()[2] == "Z":  # exited, not yet reaped by init
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_the_standby_is_taken_for_its_model_name_and_replaced_for_another():
    process.start_standby("churn")
    standby = process._standby
    try:
        assert process.take("churn") is standby and process._standby is None
    finally:
        standby.close()
    assert not os.path.exists(standby.base) and standby.process.poll() is not None
    process.start_standby("churn")
    waiting = process._standby
    other = process.take("prices")
    try:
        assert other is not waiting and other.model_name == "prices" and waiting.process.poll() is not None
    finally:
        other.close()
    process.drop_standby()  # nothing waits: a no-op


def test_a_server_whose_parent_is_killed_exits():
    parent = subprocess.Popen([sys.executable, "-c", "import time; from serving.process import ServerProcess; "
                               "server = ServerProcess('churn'); print(server.process.pid, flush=True); "
                               "time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    server_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _gone(server_pid, 15)
