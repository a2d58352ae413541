/* The heap in use, and its peak, counted at every malloc and free of the process.
 *
 * Loaded with LD_PRELOAD by bench/memory.py (with PYTHONMALLOC=malloc, so that Python's
 * objects come from malloc too): `peak_reset()` starts a measurement and returns the bytes
 * in use, `peak_get()` the most in use since. Each block counts at its usable size. Not
 * thread-safe: for one-threaded measurements only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stddef.h>
#include <string.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static void *(*real_memalign)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static long long in_use, peak;

/* dlsym itself may calloc before the real calloc is known: served from here, never freed. */
static _Alignas(16) char boot[65536];
static size_t boot_used;

static void init(void) {
  real_malloc = dlsym(RTLD_NEXT, "malloc");
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  real_free = dlsym(RTLD_NEXT, "free");
  real_memalign = dlsym(RTLD_NEXT, "memalign");
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
}

static int from_boot(void *p) { return (char *)p >= boot && (char *)p < boot + sizeof boot; }

static void *counted(void *p) {
  if (p) {
    in_use += malloc_usable_size(p);
    if (in_use > peak) peak = in_use;
  }
  return p;
}

void *malloc(size_t n) {
  if (!real_malloc) init();
  return counted(real_malloc(n));
}

void *calloc(size_t count, size_t size) {
  if (!real_calloc) {
    size_t n = (count * size + 15) & ~(size_t)15;
    if (boot_used + n > sizeof boot) return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;
  }
  return counted(real_calloc(count, size));
}

void *realloc(void *old, size_t n) {
  if (!real_realloc) init();
  if (from_boot(old)) {
    /* Its size is not known: copy what it can have held. */
    size_t room = (size_t)(boot + sizeof boot - (char *)old);
    void *p = counted(real_malloc(n));
    if (p) memcpy(p, old, n < room ? n : room);
    return p;
  }
  if (old) in_use -= malloc_usable_size(old);
  return counted(real_realloc(old, n));
}

void free(void *p) {
  if (!p || from_boot(p)) return;
  if (!real_free) init();
  in_use -= malloc_usable_size(p);
  real_free(p);
}

void *memalign(size_t align, size_t n) {
  if (!real_memalign) init();
  return counted(real_memalign(align, n));
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (!real_posix_memalign) init();
  int error = real_posix_memalign(out, align, n);
  if (!error) counted(*out);
  return error;
}

void *aligned_alloc(size_t align, size_t n) {
  if (!real_aligned_alloc) init();
  return counted(real_aligned_alloc(align, n));
}

long long peak_reset(void) {
  peak = in_use;
  return in_use;
}

long long peak_get(void) { return peak; }
