/*
 * Times whole commands the way a user meets them: fork, exec, wait4. Commands run
 * interleaved (A B C, A B C, ...) so that drift on the machine hits each alike; each
 * command's first run is reported apart (the cold start) and left out of the medians.
 * Peak RSS is the child's own ru_maxrss; CPU ms is its user + system time (median), which
 * a machine busy with other work disturbs less than the wall time. Written in C so that it runs where no Node.js
 * or Python is installed.
 *
 *   bench-runner -n RUNS 'label=command arg arg' ...
 * Arguments are split on spaces (no quoting); a word <FILE feeds FILE to the command's
 * stdin (opened anew for each run); stdout and stderr of commands are discarded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_COMMANDS 8
#define MAX_ARGS 32
#define MAX_RUNS 1000

struct command {
    char *label;
    char *argv[MAX_ARGS + 1];
    char *stdin_path;
    double wall_ms[MAX_RUNS];
    double cpu_ms[MAX_RUNS];
    long rss_kb[MAX_RUNS];
    double cold_ms;
    double cold_cpu_ms;
    long cold_rss_kb;
    int failures;
};

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double timeval_ms(struct timeval tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; }

static int run_once(struct command *c, double *wall_ms, double *cpu_ms, long *rss_kb) {
    double start = now_ms();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        if (c->stdin_path) {
            int input = open(c->stdin_path, O_RDONLY);
            if (input < 0) _exit(127);
            dup2(input, 0);
        }
        execvp(c->argv[0], c->argv);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) return -1;
    *wall_ms = now_ms() - start;
    *rss_kb = usage.ru_maxrss;
    *cpu_ms = timeval_ms(usage.ru_utime) + timeval_ms(usage.ru_stime);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int compare_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static double median_double(double *values, int n) {
    qsort(values, n, sizeof *values, compare_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static long median_long(long *values, int n) {
    qsort(values, n, sizeof *values, compare_long);
    return values[n / 2];
}

int main(int argc, char **argv) {
    int runs = 15, count = 0;
    struct command *commands = calloc(MAX_COMMANDS, sizeof *commands);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            continue;
        }
        char *eq = strchr(argv[i], '=');
        if (!eq || count == MAX_COMMANDS) {
            fprintf(stderr, "usage: bench-runner -n RUNS 'label=command args' ...\n");
            return 2;
        }
        *eq = '\0';
        commands[count].label = argv[i];
        int n = 0;
        for (char *word = strtok(eq + 1, " "); word && n < MAX_ARGS; word = strtok(NULL, " ")) {
            if (word[0] == '<') commands[count].stdin_path = word + 1;
            else commands[count].argv[n++] = word;
        }
        count++;
    }
    if (count == 0 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: bench-runner -n RUNS 'label=command args' ...\n");
        return 2;
    }
    for (int c = 0; c < count; c++) {
        if (run_once(&commands[c], &commands[c].cold_ms, &commands[c].cold_cpu_ms, &commands[c].cold_rss_kb) != 0)
            commands[c].failures++;
    }
    for (int r = 0; r < runs; r++) {
        for (int c = 0; c < count; c++) {
            if (run_once(&commands[c], &commands[c].wall_ms[r], &commands[c].cpu_ms[r], &commands[c].rss_kb[r]) != 0)
                commands[c].failures++;
        }
    }
    printf("%-22s %10s %10s %10s %10s %10s %12s %9s\n", "command", "median ms", "min ms", "max ms", "first ms", "CPU ms",
           "peak RSS MiB", "failures");
    double medians[MAX_COMMANDS];
    long rss[MAX_COMMANDS];
    for (int c = 0; c < count; c++) {
        double sorted[MAX_RUNS];
        memcpy(sorted, commands[c].wall_ms, runs * sizeof(double));
        medians[c] = median_double(sorted, runs);
        rss[c] = median_long(commands[c].rss_kb, runs);
        memcpy(sorted, commands[c].cpu_ms, runs * sizeof(double));
        double cpu = median_double(sorted, runs);
        memcpy(sorted, commands[c].wall_ms, runs * sizeof(double));
        qsort(sorted, runs, sizeof *sorted, compare_double);
        printf("%-22s %10.1f %10.1f %10.1f %10.1f %10.1f %12.1f %9d\n", commands[c].label, medians[c], sorted[0],
               sorted[runs - 1], commands[c].cold_ms, cpu, rss[c] / 1024.0, commands[c].failures);
    }
    printf("runs: %d each, interleaved, after one unmeasured first run\n", runs);
    for (int c = 1; c < count; c++) {
        printf("%s / %s: wall %.2fx, peak RSS %.2fx\n", commands[0].label, commands[c].label, medians[0] / medians[c],
               (double)rss[0] / (double)rss[c]);
    }
    int failed = 0;
    for (int c = 0; c < count; c++) failed |= commands[c].failures != 0;
    return failed ? 1 : 0;
}
