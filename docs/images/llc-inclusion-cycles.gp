# mtlab plot --kind line of results/llc-inclusion
# Data: llc-inclusion-cycles.dat. Restyle freely, then run `gnuplot llc-inclusion-cycles.gp` in this folder.
set terminal pngcairo size 990,720 noenhanced font "DejaVu Sans,26" linewidth 3 rounded
set output 'llc-inclusion-cycles.png'
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
set xlabel 'LLC inclusion'
set ylabel 'Average access time (cycles)'
set xrange [-0.5:3 - 0.5]
set key bottom left samplen 2 spacing 1.0 noopaque
set yrange [0:*]
set key title 'CPUs'
plot 'llc-inclusion-cycles.dat' index 0 using 1:3:xtic(2) with linespoints linetype 1 title '1', \
     'llc-inclusion-cycles.dat' index 1 using 1:3:xtic(2) with linespoints linetype 2 title '2', \
     'llc-inclusion-cycles.dat' index 2 using 1:3:xtic(2) with linespoints linetype 3 title '4', \
     'llc-inclusion-cycles.dat' index 3 using 1:3:xtic(2) with linespoints linetype 4 title '8'
