# mtlab plot --kind scaling of results/counters-scaling
# Data: counters-scaling.dat. Restyle freely, then run `gnuplot counters-scaling.gp` in this folder.
set terminal pngcairo size 990,720 noenhanced font "DejaVu Sans,26" linewidth 3 rounded
set output "counters-scaling.png"
set linetype 1 linecolor rgb "#0072B2" linewidth 1.2 pointtype 7 pointsize 0.9
set linetype 2 linecolor rgb "#D55E00" linewidth 1.2 pointtype 5 pointsize 0.9
set linetype 3 linecolor rgb "#009E73" linewidth 1.2 pointtype 9 pointsize 0.9
set linetype 4 linecolor rgb "#CC79A7" linewidth 1.2 pointtype 11 pointsize 0.9
set linetype 5 linecolor rgb "#E69F00" linewidth 1.2 pointtype 13 pointsize 0.9
set linetype 6 linecolor rgb "#56B4E9" linewidth 1.2 pointtype 4 pointsize 0.9
set linetype 7 linecolor rgb "#000000" linewidth 1.2 pointtype 6 pointsize 0.9
set linetype 8 linecolor rgb "#F0E442" linewidth 1.2 pointtype 8 pointsize 0.9
set linetype cycle 8
set border 3 linewidth 0.8
set tics nomirror out scale 0.6
set grid xtics ytics linecolor rgb "#dddddd" linewidth 0.6 dashtype solid
set datafile separator "\t"
set xlabel "CPUs"
set ylabel "Movement per operation"
set logscale x 2
set xtics ("1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32)
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
set key below horizontal center reverse Left width 1 maxrows 2 samplen 1.5 spacing 1.0 noopaque
set yrange [0:*]
set key title "Stride (bytes)"
plot "counters-scaling.dat" index 0 using 1:2:3:4 with yerrorlines linetype 1 title "8", \
     "counters-scaling.dat" index 1 using 1:2:3:4 with yerrorlines linetype 2 title "16", \
     "counters-scaling.dat" index 2 using 1:2:3:4 with yerrorlines linetype 3 title "32", \
     "counters-scaling.dat" index 3 using 1:2:3:4 with yerrorlines linetype 4 title "64"
