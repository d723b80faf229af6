package io.jmultifd.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * What an operator looks at after a slow migration, from its {@code --json-progress} events: the transfer and
 * dirty rates, the bytes remaining and the rounds over time, as three charts stacked in one image.
 */
final class ProgressPlot {
    private static final double MIB = 1024.0 * 1024.0;

    private ProgressPlot() {}

    static BufferedImage render(ProgressSeries series, String title, int width, int height) {
        List<ProgressSeries.Point> points = series.points();
        int n = points.size();
        double[] seconds = new double[n];
        double[] rate = new double[n];
        double[] dirtyRate = new double[n];
        double[] remaining = new double[n];
        double[] rounds = new double[n];
        for (int i = 0; i < n; i++) {
            ProgressSeries.Point p = points.get(i);
            seconds[i] = p.seconds();
            // The events' mbps is per round (and 0 on the destination): the rate between two events says more.
            if (i > 0 && p.seconds() > points.get(i - 1).seconds()) {
                ProgressSeries.Point before = points.get(i - 1);
                rate[i] = Math.max(0, p.transferred() - before.transferred()) / MIB / (p.seconds() - before.seconds());
            } else {
                rate[i] = i > 0 ? rate[i - 1] : 0;
            }
            dirtyRate[i] = p.dirtyPagesRate() * p.pageSize() / MIB;
            remaining[i] = p.remaining() / MIB;
            rounds[i] = p.round();
        }
        String who = series.side().isEmpty() ? "" : " (" + series.side() + ")";
        int top = height / 3;
        List<XYChart> charts = new ArrayList<>();
        XYChart rates = chart(width, top, title + who + ": rates", "MiB/s");
        rates.addSeries("transfer rate", seconds, rate);
        rates.addSeries("dirty rate", seconds, dirtyRate);
        charts.add(rates);
        XYChart left = chart(width, top, "remaining", "MiB");
        left.addSeries("remaining", seconds, remaining);
        charts.add(left);
        XYChart sync = chart(width, height - 2 * top, "rounds", "dirty-sync-count");
        sync.addSeries("rounds", seconds, rounds);
        sync.getStyler().setYAxisDecimalPattern("0");
        charts.add(sync);

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int y = 0;
            for (XYChart chart : charts) {
                g.drawImage(BitmapEncoder.getBufferedImage(chart), 0, y, null);
                y += chart.getHeight();
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static XYChart chart(int width, int height, String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("seconds since the first event").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setSeriesMarkers(new org.knowm.xchart.style.markers.Marker[] {
                SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND});
        return chart;
    }
}
