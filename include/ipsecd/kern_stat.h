/* kern_stat: the text of /proc/net/xfrm_stat as the statistics menu's counters
 * (DESIGN.md §5: each XfrmXxx counter is one seed statistic). Pure: the caller reads
 * the file. */
#ifndef IPSECD_KERN_STAT_H
#define IPSECD_KERN_STAT_H

#include <stddef.h>
#include <stdint.h>

#include "ipsecd/conf_menus.h"

/* Parses len bytes of text (need not be NUL-terminated), lines "XfrmInError <spaces>
 * 12", into out, indexed by CONF_STATS_*. Counters the menu has no property for are
 * skipped; a property whose counter is absent stays 0. Returns 0, or -EINVAL (out all
 * 0) when the text is empty, a line has no number or a bad one (letters, overflow), or
 * a counter appears twice. */
int kern_stat_parse(const char *text, size_t len, uint64_t out[CONF_STATS_NPROPS]);

#endif
