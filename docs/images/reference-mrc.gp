# mtlab plot --kind mrc of results/reference-64.csv
# Data: reference-mrc.dat. Restyle freely, then run `gnuplot reference-mrc.gp` in this folder.
set terminal pngcairo size 990,720 noenhanced font "DejaVu Sans,26" linewidth 3 rounded
set output "reference-mrc.png"
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
set xlabel "Cache size"
set ylabel "Miss ratio"
set logscale x 10
set xtics ("4 KiB" 4096, "32 KiB" 32768, "256 KiB" 262144, "2 MiB" 2097152)
set key top right samplen 2 spacing 1.0 noopaque
set yrange [0:*]
set key off
plot "reference-mrc.dat" index 0 using 1:2 with lines linetype 1 title "Miss ratio"
