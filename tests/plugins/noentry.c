/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: a module without VB_PLUGIN_DEFINE's entry point. */
int noentry_LTX_something_else(void);
int noentry_LTX_something_else(void) { return 42; }
