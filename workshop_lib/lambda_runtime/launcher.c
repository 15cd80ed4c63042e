/* The Lambda environment's launcher and PID-namespace init as one small native program.
 *
 * What containment.py's main() does on Linux with namespaces, without a Python interpreter
 * in the two processes that only wait: this launcher enters a mount (and, when not root, a
 * user) namespace, mounts the environment's tmpfs /tmp with the folders the worker reads
 * bound back read-only, unshares a PID namespace and forks its init (PID 1 there), which
 * mounts a /proc of its own, drops every capability and forks the worker; the worker
 * execs Python (argv[1:]) to run bootstrap.py. The init reaps orphans and hands the
 * worker's end to the launcher, which ends as the worker ended. The launcher kills the
 * worker when the request pipe (its parent's lifeline) hangs up.
 *
 * argv[1:] is containment.py's Python launcher. The worker execs it with
 * _WORKSHOP_CONTAINMENT=inside (it then only runs bootstrap.py). When namespaces cannot be
 * made, the launcher execs it in fallback mode instead, the reason in
 * _WORKSHOP_FALLBACK_REASON, after undoing the /tmp mount as containment.py would.
 *
 * Built on first use by environment.py (cc -O2), Linux only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_capset
#define SYS_capset 126
#endif

static char contained[512];
static char **python_argv;
static const char *failed = "unshare"; /* the call that failed, for the fallback's reason */

static void put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return;
    ssize_t unused = write(fd, text, strlen(text));
    (void)unused;
    close(fd);
}

/* Exec the Python launcher in fallback mode (nothing here changed what it relies on). */
static void fall_back(int err) {
    char reason[256];
    snprintf(reason, sizeof reason, "namespaces unavailable: %s: %s", failed, strerror(err));
    setenv("_WORKSHOP_CONTAINMENT", "fallback", 1);
    setenv("_WORKSHOP_FALLBACK_REASON", reason, 1);
    execv(python_argv[0], python_argv);
    _exit(127);
}

static int below(const char *path, const char *folder) {
    size_t n = strlen(folder);
    while (n > 1 && folder[n - 1] == '/') n--;
    return strncmp(path, folder, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Mount and user namespaces, /tmp, then the PID namespace: 0, or an errno (fall back). */
static int enter_namespaces(int user, const char *tmp_mb, char *keep) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWNS | (user ? CLONE_NEWUSER : 0)) != 0) return errno;
    if (user) {
        char map[64];
        put("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "%u %u 1", uid, uid);
        put("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "%u %u 1", gid, gid);
        put("/proc/self/gid_map", map);
    }
    failed = "mount";
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return errno;
    /* the folders under /tmp the worker reads, outermost only */
    char *inside[64];
    int count = 0;
    for (char *p = strtok(keep, ":"); p && count < 64; p = strtok(NULL, ":")) {
        char *real = *p ? realpath(p, NULL) : NULL;
        if (real && below(real, "/tmp")) inside[count++] = real;
    }
    qsort(inside, count, sizeof inside[0], by_name);
    int kept = 0;
    for (int i = 0; i < count; i++) {
        int nested = 0;
        for (int j = 0; j < kept; j++) nested |= below(inside[i], inside[j]);
        if (!nested) inside[kept++] = inside[i];
    }
    int host_tmp = kept ? open("/tmp", O_PATH | O_DIRECTORY) : -1;
    char data[64];
    snprintf(data, sizeof data, "size=%sm,mode=1777", tmp_mb);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, data) != 0) {
        int err = errno;
        if (host_tmp >= 0) close(host_tmp);
        return err;
    }
    for (int i = 0; i < kept; i++) {
        char source[4096];
        snprintf(source, sizeof source, "/proc/self/fd/%d%s", host_tmp, inside[i] + 4);
        char path[4096];
        snprintf(path, sizeof path, "%s", inside[i]);
        for (char *s = path + 5; *s; s++)  /* mkdir -p below the new /tmp */
            if (*s == '/') {
                *s = '\0';
                mkdir(path, 0755);
                *s = '/';
            }
        mkdir(path, 0755);
        if (mount(source, inside[i], NULL, MS_BIND | MS_REC, NULL) != 0 ||
            mount("none", inside[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0) {
            int err = errno;
            umount2("/tmp", MNT_DETACH);  /* the fallback needs the host's /tmp back */
            close(host_tmp);
            return err;
        }
    }
    if (host_tmp >= 0) close(host_tmp);
    failed = "unshare";
    if (unshare(CLONE_NEWPID) != 0) {
        int err = errno;
        umount2("/tmp", MNT_DETACH);
        return err;
    }
    return 0;
}

static int drop_capabilities(void) {
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
    int last = 40;
    if (f) {
        if (fscanf(f, "%d", &last) != 1) last = 40;
        fclose(f);
    }
    for (int cap = 0; cap <= last; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return errno;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    unsigned int header[2] = {0x20080522, 0};
    unsigned int data[6] = {0};
    if (syscall(SYS_capset, header, data) != 0) return errno;
    return 0;
}

/* In PID 1: a /proc of its own, no capabilities (what fails is reported, not fatal). */
static void contain(const char *tmp_mb) {
    int n = snprintf(contained, sizeof contained, "namespaces: %s MB tmpfs /tmp", tmp_mb);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
        n += snprintf(contained + n, sizeof contained - n, ", private /proc");
    else
        n += snprintf(contained + n, sizeof contained - n, ", the host's /proc (%s)",
                      strerror(errno));
    int err = drop_capabilities();
    if (err == 0)
        snprintf(contained + n, sizeof contained - n, ", no capabilities");
    else
        snprintf(contained + n, sizeof contained - n, ", capabilities kept (%s)", strerror(err));
}

static void end_like(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
        kill(getpid(), sig);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char *mode = getenv("_WORKSHOP_CONTAINMENT");
    char *tmp_mb = getenv("_WORKSHOP_TMP_MB");
    char *fds = getenv("_WORKSHOP_RUNTIME_FDS");
    char *keep = getenv("_WORKSHOP_KEEP");
    if (!tmp_mb || !fds) return 2;
    python_argv = argv + 1;
    if (mode && strcmp(mode, "fallback") == 0) execv(python_argv[0], python_argv);
    tmp_mb = strdup(tmp_mb);
    int lifeline = atoi(fds);
    int answers = atoi(strchr(fds, ',') ? strchr(fds, ',') + 1 : fds);

    int err = enter_namespaces((mode && strcmp(mode, "userns") == 0) || geteuid() != 0, tmp_mb,
                               strdup(keep ? keep : ""));
    if (err) fall_back(err);
    setenv("_WORKSHOP_CONTAINMENT", "inside", 1); /* the worker's: contained already */
    unsetenv("_WORKSHOP_TMP_MB");
    unsetenv("_WORKSHOP_TMP_DIR");
    unsetenv("_WORKSHOP_KEEP");

    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) return 1;
    pid_t init = fork();
    if (init < 0) return 1;
    if (init == 0) { /* PID 1 of the new namespace */
        close(status_pipe[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        contain(tmp_mb);
        pid_t worker = fork();
        if (worker == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            setenv("_WORKSHOP_CONTAINED", contained, 1);
            execv(python_argv[0], python_argv);
            _exit(127);
        }
        close(answers);
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, 0);
            if (pid < 0 && errno != EINTR) _exit(1);
            if (pid == worker) {
                char text[32];
                int n = snprintf(text, sizeof text, "%d", status);
                ssize_t unused = write(status_pipe[1], text, n);
                (void)unused;
                _exit(0);
            }
        }
    }
    close(status_pipe[1]);
    close(answers); /* the parent sees the end of file when the worker dies, not later */
    struct pollfd watch[2] = {{lifeline, 0, 0}, {-1, POLLIN, 0}};
    watch[1].fd = (int)syscall(SYS_pidfd_open, init, 0);
    pid_t ppid = getppid();
    int status = 0;
    for (;;) {
        int ready = poll(watch, 2, watch[1].fd >= 0 ? -1 : 200);
        int orphaned = (ready > 0 && watch[0].revents) || getppid() != ppid;
        if (orphaned) kill(init, SIGKILL);
        pid_t pid = waitpid(init, &status, orphaned ? 0 : WNOHANG);
        if (pid == init) break;
        if (pid < 0 && errno != EINTR) return 1;
    }
    char text[32] = {0};
    ssize_t n = read(status_pipe[0], text, sizeof text - 1);
    if (n > 0) status = atoi(text); /* the init ended after the worker: its end is the one */
    end_like(status);
    return 1;
}
