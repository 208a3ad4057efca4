# mtlab plot --kind transfer-matrix of results/lru-8way.json
# Data: transfer-matrix.dat. Restyle freely, then run `gnuplot transfer-matrix.gp` in this folder.
set terminal pngcairo size 990,720 noenhanced font "DejaVu Sans,26" linewidth 3 rounded
set output "transfer-matrix.png"
set border linewidth 0.8
set tics out nomirror scale 0.5
unset key
set xrange [-0.5:4 - 0.5]
set yrange [4 - 0.5:-0.5]
set xlabel "Requesting CPU"
set ylabel "Supplying CPU"
set cblabel "Transfers"
set xtics 0, 1
set ytics 0, 1
set size ratio -1
set palette defined (0 "#ffffff", 1 "#c6dbef", 2 "#6baed6", 3 "#2171b5")
set cbrange [0:*]
plot "transfer-matrix.dat" matrix with image pixels, \
     "transfer-matrix.dat" matrix using 1:2:(sprintf("%d", $3)) with labels font ",20" textcolor rgb "#000000"
