/*
 * uml-xstate.so: an LD_PRELOAD shim for user-mode Linux (linux.uml) before 6.13.
 *
 * UML saves and restores the FPU state of the host processes that run its guest
 * programs with ptrace(PTRACE_GETREGSET / PTRACE_SETREGSET, NT_X86_XSTATE) on a buffer
 * whose size is fixed when UML is compiled (the legacy area, the XSAVE header and the
 * AVX upper halves: 832 bytes). A read of fewer bytes than the host's XSAVE size is fine;
 * a write must be exactly the host's size, or the host kernel says EFAULT. On hosts with
 * a bigger XSAVE area (AVX-512, AMX) every guest process dies at once:
 *     userspace - ptrace set fp regs failed, errno = 14
 *     Kernel panic - not syncing: Attempted to kill init!
 * (Making the boot probe fail, so that UML falls back to PTRACE_SETFPREGS, boots but
 * corrupts the AVX registers of guest programs: glibc's AVX2 string functions then
 * misbehave and printf prints "%s".)
 *
 * The shim turns each short SETREGSET(NT_X86_XSTATE) into a full-size one: it reads
 * the tracee's whole current XSAVE state, lays UML's bytes over the start of it and
 * writes the whole back. The state beyond UML's buffer (AVX-512, AMX, PKRU) is written
 * back as it was; the XSAVE header in UML's bytes came from UML's own earlier read, and
 * the tracee has not run since, so it still describes that state. Everything else
 * passes through to glibc's ptrace().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/elf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

/* <sys/ptrace.h> would declare ptrace() with an enum first argument. */
#define PTRACE_GETREGSET 0x4204
#define PTRACE_SETREGSET 0x4205

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

#define XSTATE_MAX (64 * 1024) /* far above any x86 XSAVE size (AMX: about 11 KiB) */

long ptrace(int request, ...)
{
	static ptrace_fn real;
	static unsigned char *full;
	va_list ap;
	pid_t pid;
	void *addr, *data;

	va_start(ap, request);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");

	if (request == PTRACE_SETREGSET && (long)addr == NT_X86_XSTATE && data) {
		struct iovec *uml = data, host;
		long rc;

		if (!full && !(full = malloc(XSTATE_MAX))) {
			errno = ENOMEM;
			return -1;
		}
		host.iov_base = full;
		host.iov_len = XSTATE_MAX; /* the kernel shortens it to its own size */
		rc = real(PTRACE_GETREGSET, pid, (void *)(long)NT_X86_XSTATE, &host);
		if (rc < 0)
			return rc;
		if (uml->iov_len < host.iov_len) {
			memcpy(full, uml->iov_base, uml->iov_len);
			return real(PTRACE_SETREGSET, pid, addr, &host);
		}
	}
	return real(request, pid, addr, data);
}
