/*
 * HotSpot's disassembler plugin (libhsdis) over Capstone, for -XX:+PrintAssembly and JMH's
 * -prof perfasm on a machine without a packaged hsdis (Debian 12 has none that prints x86
 * mnemonics for JDK 17). HotSpot looks the library up by name (hsdis-amd64.so) in the JDK's
 * lib/server directory, the JDK's lib directory or LD_LIBRARY_PATH, and calls one function,
 * decode_instructions_virtual: disassemble [buffer, buffer + length), which the code will
 * occupy at start_va, reporting each instruction's start and end to event_callback ("insn",
 * "/insn") and its text to printf_callback (or, when HotSpot passes none, as it does for
 * -XX:PrintAssemblyOptions=hsdis-print-raw, to the stream it passes, or stdout). Always AT&T
 * syntax: the options string (perfasm's intelSyntax among them) is ignored, and no "addr" events
 * are sent, so jump targets print as addresses. Build: bench/tools/hsdis/build.sh. A benchmark
 * tool, not part of the product.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <capstone/capstone.h>

typedef void *(*hsdis_event_callback)(void *stream, const char *event, void *arg);
typedef int (*hsdis_printf_callback)(void *stream, const char *format, ...);

/* The printer when HotSpot gives none: its stream is then a FILE* (or NULL for stdout). */
static int print_to_file(void *stream, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vfprintf(stream != NULL ? (FILE *)stream : stdout, format, args);
  va_end(args);
  return n;
}

void *decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char *buffer,
                                  uintptr_t length, hsdis_event_callback event_callback,
                                  void *event_stream, hsdis_printf_callback printf_callback,
                                  void *printf_stream, const char *options, int newline) {
  (void)end_va;
  (void)options; /* HotSpot's -XX:PrintAssemblyOptions; AT&T syntax is always used here */
  if (printf_callback == NULL) {
    printf_callback = print_to_file;
  }
  csh cs;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
    printf_callback(printf_stream, "hsdis-capstone: cs_open failed\n");
    return NULL;
  }
  cs_option(cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
  cs_insn *insn = cs_malloc(cs);
  if (insn == NULL) {
    printf_callback(printf_stream, "hsdis-capstone: cs_malloc failed\n");
    cs_close(&cs);
    return NULL;
  }
  const uint8_t *code = buffer;
  size_t remaining = length;
  uint64_t pc = start_va;
  while (remaining > 0) {
    if (event_callback != NULL) {
      event_callback(event_stream, "insn", (void *)(uintptr_t)pc);
    }
    if (cs_disasm_iter(cs, &code, &remaining, &pc, insn)) {
      printf_callback(printf_stream, "%s\t%s", insn->mnemonic, insn->op_str);
    } else { /* not an instruction (data, padding): show one byte and go on */
      printf_callback(printf_stream, ".byte\t0x%02x", *code);
      code++;
      remaining--;
      pc++;
    }
    if (event_callback != NULL) {
      event_callback(event_stream, "/insn", (void *)(uintptr_t)pc);
    }
    if (newline) {
      printf_callback(printf_stream, "\n");
    }
  }
  cs_free(insn, 1);
  cs_close(&cs);
  return (void *)(uintptr_t)pc;
}
