# mtlab plot --kind line-offsets of results/lru-8way.json
# Data: line-offsets.dat. Restyle freely, then run `gnuplot line-offsets.gp` in this folder.
set terminal pngcairo size 990,720 noenhanced font "DejaVu Sans,26" linewidth 3 rounded
set output "line-offsets.png"
set border linewidth 0.8
set tics out nomirror scale 0.5
unset key
set xrange [-0.5:64 - 0.5]
set yrange [8 - 0.5:-0.5]
set xlabel "Byte offset in the line"
set ylabel "CPU, by line (hottest first)"
set xtics 0, 8
set ytics ("cpu 0" 0, "cpu 1" 1, "cpu 2" 2, "cpu 3" 3, "cpu 0" 4, "cpu 1" 5, "cpu 2" 6, "cpu 3" 7)
set palette maxcolors 3
set palette defined (0 "#f0f0f0", 1 "#92c5de", 2 "#ca0020")
set cbrange [-0.5:2.5]
set cbtics ("none" 0, "read" 1, "written" 2) scale 0
set style textbox opaque noborder
set label "0x1000" at 64 - 1, 0 right front boxed font ",20"
set arrow from -0.5, 4 - 0.5 to 64 - 0.5, 4 - 0.5 nohead front linewidth 1.5 linecolor rgb "#000000"
set label "0x2000" at 64 - 1, 4 right front boxed font ",20"
plot "line-offsets.dat" matrix with image pixels
