# JupyterHub configuration for a course on the MNIST lab (JupyterHub 6.1.1).
#
# kernel-setup/hub/install.sh copies it to <hub root>/etc/jupyterhub_config.py; kernel-setup/hub/start.sh runs
#   <hub root>/venv/bin/jupyterhub -f <hub root>/etc/jupyterhub_config.py
# as root from <hub root>/state. Everything site-specific comes from the environment:
#   GOLAB_HUB_ROOT     the hub root (default /srv/golab-hub): software, shared read-only data, state
#   GOLAB_HUB_ROSTER   a JSON file {"instructors": [...], "students": [...]} of Unix user names (default
#                      <hub root>/state/roster.json); only those users may log in
#   GOLAB_HUB_AUTH     "pam" (default: the users' Unix passwords) or "shared-password" (every rostered user logs in
#                      with one password, read from <hub root>/state/demo-password; for a local demo only)
#   GOLAB_HUB_PORT     the port the hub listens on, on 127.0.0.1 (default 8000; the proxy's API uses the next port,
#                      the hub's own API the one after); put HTTPS in front of it for a course
#   GOLAB_COURSE_ID    the course's name in nbgrader's exchange (default golab)
# No secret is in this file or in the repository: JupyterHub generates the cookie secret on first start
# (<state>/jupyterhub_cookie_secret, mode 600) and a new proxy token at every start; the demo password is generated
# by start.sh (<state>/demo-password, mode 600).
import json
import os
import pwd

c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)

HUB = os.environ.get("GOLAB_HUB_ROOT", "/srv/golab-hub")
STATE = f"{HUB}/state"
COURSE_ID = os.environ.get("GOLAB_COURSE_ID", "golab")
with open(os.environ.get("GOLAB_HUB_ROSTER", f"{STATE}/roster.json")) as f:
    roster = json.load(f)
INSTRUCTORS = list(roster.get("instructors", []))
STUDENTS = list(roster.get("students", []))

# --- the hub process: local, state under <hub root>/state (root only)
PORT = int(os.environ.get("GOLAB_HUB_PORT", "8000"))
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 2
c.JupyterHub.cookie_secret_file = f"{STATE}/jupyterhub_cookie_secret"
c.JupyterHub.db_url = f"sqlite:///{STATE}/jupyterhub.sqlite"
c.ConfigurableHTTPProxy.command = [f"{HUB}/proxy/node_modules/.bin/configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = f"{STATE}/proxy.pid"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"

# --- who may log in, and as whom
if os.environ.get("GOLAB_HUB_AUTH", "pam") == "shared-password":
    c.JupyterHub.authenticator_class = "shared-password"
    with open(f"{STATE}/demo-password") as f:
        c.SharedPasswordAuthenticator.user_password = f.read().strip()
else:
    c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.Authenticator.admin_users = set()  # nobody administers the hub from the web; instructors get the role below
c.JupyterHub.load_groups = {
    "instructors": {"users": INSTRUCTORS},
    "students": {"users": STUDENTS},
}
# Instructors see who is on the hub and whose server runs (the admin page, read-only); they cannot open students'
# servers: grading goes through nbgrader's exchange, not through students' home directories.
c.JupyterHub.load_roles = [
    {
        "name": "instructor",
        "description": "course instructor: sees users and servers; grades with nbgrader's formgrader in their own server",
        "groups": ["instructors"],
        "scopes": ["admin-ui", "list:users", "read:users", "read:servers", "list:groups", "read:groups"],
    },
]

# --- each user's server: JupyterLab with the GoNB kernel, as the user's own Unix account
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{HUB}/venv/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


# The Go settings of the GoNB kernel (install.sh writes them into the kernel's spec): the server gets them too, so
# that `go` in a JupyterLab terminal builds exactly as the notebook cells do.
with open(f"{HUB}/venv/share/jupyter/kernels/gonb/kernel.json") as f:
    KERNEL_ENV = {k: v for k, v in json.load(f)["env"].items() if k != "PATH"}


def pre_spawn_hook(spawner):
    """Role-specific Jupyter configuration and per-user caches, in the user's home."""
    name = spawner.user.name
    home = pwd.getpwnam(name).pw_dir
    role = "instructor" if name in INSTRUCTORS else "student"
    spawner.environment.update(KERNEL_ENV)
    spawner.environment.update({
        "PATH": f"{HUB}/venv/bin:{HUB}/bin:{HUB}/go/bin:/usr/local/bin:/usr/bin:/bin",
        # student: no formgrader, no "create assignment" (jupyter-student/); instructor: all of nbgrader
        "JUPYTER_CONFIG_PATH": f"{HUB}/etc/jupyter-{role}",
        # per-user results and checkpoints (lab/persist), never shared
        "LAB_CACHE_DIR": f"{home}/.cache/golab/results",
        "LAB_CHECKPOINT_DIR": f"{home}/.cache/golab/checkpoints",
        "GOLAB_HUB_ROOT": HUB,
        "GOLAB_COURSE_ID": COURSE_ID,
        "GOLAB_EXCHANGE_ROOT": f"{HUB}/exchange",
    })


c.Spawner.pre_spawn_hook = pre_spawn_hook
