/* A shared library for module_symbols_test whose symbols sit at offsets the test knows: they
 * are placed here with .org, relative to ks_anchor at the start of this file's .text (never
 * run; the bytes are padding). Built as libknown_symbols.so and stripped to its .dynsym as
 * libknown_symbols_dynsym_only.so; the local symbols exist only in the first.
 *
 *   offset  symbol                 binding  size
 *   0x000   ks_anchor              global   0x10
 *   0x040   ks_global              global   0x40   with ks_weak_alias (weak) and
 *                                                  ks_local_alias (local), same range
 *   0x080   ks_outer               global   0x80   with ks_inner_local (local, 0x10) at 0xa0
 *   0x100   ks_wide                global   0x40   with ks_narrow (global, 0x10) at 0x100
 *   0x180   ks_label               global   0      (an assembly label: no size)
 *   0x200   ks_local_only          local    0x20
 *   0x280   ks_last                global   0x20
 *   0x2a0 .. 0x300: no symbol
 */
__asm__(
    ".text\n"
    ".p2align 12\n"
    ".globl ks_anchor\n"
    ".type ks_anchor, @function\n"
    "ks_anchor:\n"
    ".size ks_anchor, 0x10\n"

    ".org 0x40\n"
    ".globl ks_global\n"
    ".type ks_global, @function\n"
    ".weak ks_weak_alias\n"
    ".type ks_weak_alias, @function\n"
    ".type ks_local_alias, @function\n"
    "ks_local_alias:\n"
    "ks_weak_alias:\n"
    "ks_global:\n"
    ".size ks_local_alias, 0x40\n"
    ".size ks_weak_alias, 0x40\n"
    ".size ks_global, 0x40\n"

    ".org 0x80\n"
    ".globl ks_outer\n"
    ".type ks_outer, @function\n"
    "ks_outer:\n"
    ".size ks_outer, 0x80\n"
    ".org 0xa0\n"
    ".type ks_inner_local, @function\n"
    "ks_inner_local:\n"
    ".size ks_inner_local, 0x10\n"

    ".org 0x100\n"
    ".globl ks_wide\n"
    ".type ks_wide, @function\n"
    ".globl ks_narrow\n"
    ".type ks_narrow, @function\n"
    "ks_wide:\n"
    "ks_narrow:\n"
    ".size ks_wide, 0x40\n"
    ".size ks_narrow, 0x10\n"

    ".org 0x180\n"
    ".globl ks_label\n"
    ".type ks_label, @function\n"
    "ks_label:\n"

    ".org 0x200\n"
    ".type ks_local_only, @function\n"
    "ks_local_only:\n"
    ".size ks_local_only, 0x20\n"

    ".org 0x280\n"
    ".globl ks_last\n"
    ".type ks_last, @function\n"
    "ks_last:\n"
    ".size ks_last, 0x20\n"

    ".org 0x300\n");
