/* Classic BPF as seccomp allows it (kernel/seccomp.c seccomp_check_filter): loads of
 * struct seccomp_data words, the scratch memory, ALU, jumps and returns. No decision is made
 * here: the program is the profile, compiled by TypeScript. */
#include <string.h>
#include "bpf-eval.h"

#define SCRATCH 16

static uint32_t load_word(const struct seccomp_data *data, uint32_t offset, int *ok) {
  uint32_t word;
  if (offset % 4 || offset > sizeof *data - 4) { *ok = 0; return 0; }
  memcpy(&word, (const unsigned char *)data + offset, 4);
  return word;
}

static int alu(uint16_t op, uint32_t *a, uint32_t operand) {
  switch (op) {
  case BPF_ADD: *a += operand; return 1;
  case BPF_SUB: *a -= operand; return 1;
  case BPF_MUL: *a *= operand; return 1;
  case BPF_DIV: if (!operand) return 0; *a /= operand; return 1;
  case BPF_MOD: if (!operand) return 0; *a %= operand; return 1;
  case BPF_AND: *a &= operand; return 1;
  case BPF_OR: *a |= operand; return 1;
  case BPF_XOR: *a ^= operand; return 1;
  case BPF_LSH: *a = operand < 32 ? *a << operand : 0; return 1;
  case BPF_RSH: *a = operand < 32 ? *a >> operand : 0; return 1;
  case BPF_NEG: *a = -*a; return 1;
  default: return 0;
  }
}

static int jump_taken(uint16_t op, uint32_t a, uint32_t operand) {
  switch (op) {
  case BPF_JEQ: return a == operand;
  case BPF_JGT: return a > operand;
  case BPF_JGE: return a >= operand;
  case BPF_JSET: return (a & operand) != 0;
  default: return -1;
  }
}

uint32_t jc_bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data) {
  uint32_t a = 0, x = 0, mem[SCRATCH] = {0};
  for (size_t pc = 0; pc < len; pc++) {
    const struct sock_filter *in = &prog[pc];
    uint32_t k = in->k, operand = BPF_SRC(in->code) == BPF_X ? x : k;
    int ok = 1;
    switch (BPF_CLASS(in->code)) {
    case BPF_LD:
      if (in->code == (BPF_LD | BPF_W | BPF_ABS)) a = load_word(data, k, &ok);
      else if (in->code == (BPF_LD | BPF_W | BPF_LEN)) a = sizeof *data;
      else if (in->code == (BPF_LD | BPF_IMM)) a = k;
      else if (in->code == (BPF_LD | BPF_MEM) && k < SCRATCH) a = mem[k];
      else ok = 0;
      break;
    case BPF_LDX:
      if (in->code == (BPF_LDX | BPF_W | BPF_LEN)) x = sizeof *data;
      else if (in->code == (BPF_LDX | BPF_IMM)) x = k;
      else if (in->code == (BPF_LDX | BPF_MEM) && k < SCRATCH) x = mem[k];
      else ok = 0;
      break;
    case BPF_ST: if (k < SCRATCH) mem[k] = a; else ok = 0; break;
    case BPF_STX: if (k < SCRATCH) mem[k] = x; else ok = 0; break;
    case BPF_ALU: ok = alu(BPF_OP(in->code), &a, operand); break;
    case BPF_MISC:
      if (BPF_MISCOP(in->code) == BPF_TAX) x = a;
      else if (BPF_MISCOP(in->code) == BPF_TXA) a = x;
      else ok = 0;
      break;
    case BPF_RET:
      if (BPF_RVAL(in->code) == BPF_K) return k;
      if (BPF_RVAL(in->code) == BPF_A) return a;
      ok = 0;
      break;
    case BPF_JMP:
      if (BPF_OP(in->code) == BPF_JA) { pc += k; break; }
      {
        int taken = jump_taken(BPF_OP(in->code), a, operand);
        if (taken < 0) ok = 0;
        else pc += taken ? in->jt : in->jf;
      }
      break;
    default: ok = 0;
    }
    if (!ok) return SECCOMP_RET_KILL_PROCESS;
  }
  return SECCOMP_RET_KILL_PROCESS; /* fell off the end */
}
