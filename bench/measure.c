/* measure.c [-o FILE] CMD ARG...: run CMD once; print "WALL_SECONDS MAX_RSS_KB EXIT" on
 * stderr (or append to FILE). Peak RSS comes from wait4's rusage, for the command and the
 * processes it waited for (the largest of them, as getrusage reports). stdout of CMD goes to
 * /dev/null unless MEASURE_STDOUT is set. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *outf = NULL;
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "-o") == 0) {
        outf = argv[a + 1];
        a += 2;
    }
    if (a >= argc) {
        fprintf(stderr, "usage: measure [-o FILE] CMD ARG...\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        if (!getenv("MEASURE_STDOUT")) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0)
                dup2(fd, 1);
        }
        execvp(argv[a], argv + a);
        perror(argv[a]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* children of the command (e.g. -j workers or a shell loop) */
    struct rusage rc;
    getrusage(RUSAGE_CHILDREN, &rc);
    long rss = ru.ru_maxrss > rc.ru_maxrss ? ru.ru_maxrss : rc.ru_maxrss;
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *o = outf ? fopen(outf, "a") : stderr;
    if (!o) {
        perror(outf);
        return 2;
    }
    fprintf(o, "%.6f %ld %d\n", wall, rss, code);
    if (outf)
        fclose(o);
    return 0;
}
