# rss.gp - build/rss.png from build/rss.dat (bench/rss.c; `make rss`).
# Blocks: 0 brk-64KiB, 1 mmap-1MiB, 2 thp-4MiB (host only).  Columns:
# run phase offset sim_kB host_kB (sim -1: not run).  x is the bytes the
# program has accessed so far: the write of p, then the read of q.
set terminal pngcairo size 1200,1000 font ",10" noenhanced
set output 'build/rss.png'
set multiplot layout 3,1 title "RSS growth (kB): kalloc's simulated process vs this host's glibc process"
set key top left
set grid
set xlabel "bytes accessed (write p byte by byte, then read an untouched q)"
set ylabel "RSS growth, kB"
set title "N = 64 KiB: glibc's brk heap"
plot 'build/rss.dat' index 0 using ($0*256):4 with steps lw 2 title "simulated (kalloc mm + heap)", \
     '' index 0 using ($0*256):5 with steps lw 1 dt 2 title "host glibc (smaps_rollup Anonymous)"
set title "N = 1 MiB: a mapping of its own"
plot 'build/rss.dat' index 1 using ($0*256):4 with steps lw 2 title "simulated (kalloc mm + heap)", \
     '' index 1 using ($0*256):5 with steps lw 1 dt 2 title "host glibc (smaps_rollup Anonymous)"
set title "N = 4 MiB, host only, madvise(MADV_HUGEPAGE): transparent huge pages"
plot 'build/rss.dat' index 2 using ($0*256):5 with steps lw 2 title "host glibc + MADV_HUGEPAGE"
unset multiplot
