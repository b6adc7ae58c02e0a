/* The background queue of devq.h: a ring of jobs, their data in a ring buffer the board provides. */
#include <string.h>
#include "devq.h"
#include "port.h"

#define JOBS 64u

struct job {
    const struct flashdev *d;
    uint32_t addr, len, done;   /* bytes of the job handed to the device so far */
    uint32_t at, span;          /* data offset in the buffer; buffer bytes it holds (with a skipped tail) */
    uint8_t erase, started;
};

static struct job jobs[JOBS];
static unsigned head, count;
static uint8_t *buf;
static uint32_t buf_size, buf_tail, buf_used, buf_asked;
static struct proto_status err;
static uint8_t failed, running;

/* Boards without a buffer for it: no background work (every operation blocks, as before). */
__attribute__((weak)) uint8_t *port_queue_buffer(uint32_t *size)
{
    *size = 0;
    return 0;
}

static void queue_done(const struct flashdev *d)
{
    if (d->ops->queue_done) d->ops->queue_done(d);
}

static uint32_t buffer_size(void)
{
    if (!buf_asked) {
        buf = port_queue_buffer(&buf_size);
        buf_asked = 1;
    }
    return buf ? buf_size : 0;
}

int devq_takes(const struct flashdev *d)
{
    return d->ops->erase_start && d->ops->program_start && d->ops->poll && buffer_size() >= PROTO_MAX_DATA;
}

/* Drop every queued job after a failure. */
static void drop_all(const struct flashdev *d, int status, const struct fd_result *r)
{
    err.status = (uint8_t)status;
    err.addr = r->addr;
    err.detail = r->detail;
    failed = 1;
    head = (head + count) % JOBS;
    count = 0;
    buf_used = 0;
    queue_done(d);
}

void devq_run(void)
{
    if (running || !count) return;
    running = 1;
    while (count) {
        struct job *j = &jobs[head];
        struct fd_result r = { j->addr + j->done, 0 };
        if (j->started) {
            int s = j->d->ops->poll(j->d, &r);
            if (s == FD_BUSY) break;
            j->started = 0;
            if (s != ST_OK) { drop_all(j->d, s, &r); break; }
        }
        if (j->done >= j->len) {
            buf_used -= j->span;
            head = (head + 1) % JOBS;
            if (!--count) queue_done(j->d);
            continue;
        }
        int s;
        if (j->erase) {
            s = j->d->ops->erase_start(j->d, j->addr, &r);
            j->done = j->len;
        } else {
            uint32_t taken = 0;
            s = j->d->ops->program_start(j->d, j->addr + j->done, buf + j->at + j->done, j->len - j->done,
                                         &taken, &r);
            j->done += taken;
        }
        if (s != ST_OK) { drop_all(j->d, s, &r); break; }
        j->started = 1;   /* polled at once: back to the caller while the device works; on at once when
                             it had nothing to do (a run of erased-value words), so the caller never idles
                             waiting for an operation that was not started */
    }
    running = 0;
}

int devq_busy(void) { return count != 0; }

void devq_flush(void)
{
    while (count) {
        devq_run();
        if (count) fd_wait();
    }
}

/* Room for one more job holding n data bytes (0: an erase); returns the job, its data placed. */
static struct job *reserve(const struct flashdev *d, uint32_t addr, uint32_t n)
{
    for (;;) {
        uint32_t at = buf_tail, span = n;
        if (n && buf_size - buf_tail < n) {   /* does not fit before the end: skip the tail */
            at = 0;
            span = buf_size - buf_tail + n;
        }
        if (count < JOBS && buf_used + span <= buf_size) {
            struct job *j = &jobs[(head + count) % JOBS];
            memset(j, 0, sizeof *j);
            j->d = d;
            j->addr = addr;
            j->len = n;
            j->at = at;
            j->span = span;
            if (n) buf_tail = at + n;
            buf_used += span;
            count++;
            return j;
        }
        devq_run();
        fd_wait();
    }
}

void devq_erase(const struct flashdev *d, uint32_t addr)
{
    struct job *j = reserve(d, addr, 0);
    j->erase = 1;
    j->len = 1;   /* one step: the erase */
}

void devq_program(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len)
{
    struct job *j = reserve(d, addr, len);
    memcpy(buf + j->at, data, len);
    devq_run();
}

int devq_failed(struct proto_status *st)
{
    if (!failed) return 0;
    st->status = err.status;
    st->addr = err.addr;
    st->detail = err.detail;
    failed = 0;
    return 1;
}
