/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Units and option tables (lib/options.c): the one parser of sizes,
 * durations and booleans, and everything done with a plugin's vb_option[].
 */
#ifndef VB_LIB_OPTIONS_H
#define VB_LIB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtbench/plugin.h"

/* "512", "16K", "2G", "1.5G" (rounded down to bytes). 0 or -EINVAL/-ERANGE */
int vb_parse_size(const char *s, int64_t *out);
/* "10", "10s", "250ms", "2m", "1h" -> seconds. 0 or -EINVAL */
int vb_parse_duration(const char *s, double *out);
int vb_parse_bool(const char *s, bool *out);
/* Render bytes as the shortest exact "16K"/"2G" form, else plain bytes. */
void vb_format_size(int64_t bytes, char *buf, size_t n);

/* Look up an option by name; NULL if absent. */
const struct vb_option *vb_option_find(const struct vb_option *tab,
				       const char *name);
/* Closest name within edit distance 2 (or NULL), for "did you mean". */
const char *vb_suggest(const char *word,
		       const char *const *candidates);

/*
 * Set one option from its text form (as in key=value). For VB_OPT_LIST the
 * text is one element, appended. On error writes a reason (without
 * file:line) to err and returns -EINVAL or -ERANGE.
 */
int vb_opt_set_text(const struct vb_option *o, void *block,
		    const char *text, char *err, size_t errlen);
/* Apply every default of tab to a zeroed block. Same error contract. */
int vb_opts_defaults(const struct vb_option *tab, void *block,
		     char *err, size_t errlen);
/* Free the strings and lists the engine put into block (not block). */
void vb_opts_free(const struct vb_option *tab, void *block);
/* One option's value in canonical text form (malloc'd): sizes in bytes,
 * durations in seconds, enums by name, lists joined with ','. */
char *vb_opt_to_text(const struct vb_option *o, const void *block);
/*
 * Parse "key=value" strings (as the agent receives them) into a fresh
 * block: defaults first, then each assignment in order. Unknown keys are
 * errors. Returns 0 and *block (free with vb_opts_free + free), or -EINVAL
 * with a reason in err.
 */
int vb_opts_from_kv(const struct vb_plugin_info *info,
		    const char *const *kv, size_t nkv, void **block,
		    char *err, size_t errlen);

#endif /* VB_LIB_OPTIONS_H */
