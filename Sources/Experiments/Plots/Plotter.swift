import Foundation

/// Draws a ``PlotRequest`` with gnuplot, always leaving the data (`.dat`) and the script
/// (`.gp`) beside the image so that an author can restyle it and run `gnuplot NAME.gp` there.
public enum Plotter {
    /// The files a plot wrote.
    public struct Output: Sendable {
        public var image: String?
        public var data: String
        public var script: String
    }

    /// Environment variable naming the gnuplot executable (default: `gnuplot` on `PATH`).
    public static let gnuplotVariable = "MTLAB_GNUPLOT"

    /// Reads the input, writes data and script, and renders the image. Throws ``PlotError``
    /// before writing anything for bad input or a missing gnuplot.
    public static func plot(_ request: PlotRequest) throws -> Output {
        guard let format = PlotStyle.Format(path: request.output) else {
            throw PlotError("\(request.output): the image must end in .png, .svg or .pdf")
        }
        do { try OutputFiles.checkFile(request.output) } catch let e as OutputError { throw PlotError(e.description) }
        let gnuplot = request.render ? try findGnuplot() : nil

        let stem = String(request.output[..<request.output.lastIndex(of: ".")!])
        let dataPath = stem + ".dat", scriptPath = stem + ".gp"
        let dataName = nameOf(dataPath), imageName = nameOf(request.output)
        let data: String, commands: [String]
        switch request.kind {
        case .line, .scaling, .mrc:
            let plot = try SeriesPlot(request)
            data = plot.data(kind: request.kind)
            commands = plot.commands(dataFile: dataName, kind: request.kind, logX: request.logX, logY: request.logY)
        case .transferMatrix, .lineOffsets:
            let plot = try HeatmapPlot(request)
            data = plot.data()
            commands = plot.commands(dataFile: dataName, format: format)
        }
        let header = [
            "# mtlab plot --kind \(request.kind.rawValue) of \(request.input)",
            "# Data: \(dataName). Restyle freely, then run `gnuplot \(nameOf(scriptPath))` in this folder.",
            format.terminal,
        ]
        let script = (header + ["set output " + PlotStyle.quote(imageName)] + commands).joined(separator: "\n") + "\n"

        var files = OutputFiles()
        files.add(path: dataPath, contents: data)
        files.add(path: scriptPath, contents: script)
        do { try files.commit() } catch let e as OutputError { throw PlotError(e.description) }
        guard let gnuplot else { return Output(image: nil, data: dataPath, script: scriptPath) }

        // Render to a temporary name, then rename: a failed render leaves no partial image.
        let temporary = "." + imageName + ".mtlab-\(getpid()).tmp"
        let rendering = (header + ["set output " + PlotStyle.quote(temporary)] + commands).joined(separator: "\n") + "\n"
        let folder = folderOf(request.output)
        try run(gnuplot, script: rendering, in: folder)
        let temporaryPath = folder + "/" + temporary
        guard rename(temporaryPath, request.output) == 0 else {
            unlink(temporaryPath)
            throw PlotError("\(request.output): cannot be written: \(String(cString: strerror(errno)))")
        }
        return Output(image: request.output, data: dataPath, script: scriptPath)
    }

    /// The gnuplot executable, or a ``PlotError`` saying how to get it.
    public static func findGnuplot() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let named = environment[gnuplotVariable], !named.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: named) else {
                throw PlotError("gnuplot not found: \(gnuplotVariable)=\(named) is not an executable file")
            }
            return named
        }
        for folder in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = String(folder) + "/gnuplot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PlotError("gnuplot not found on PATH: install gnuplot-nox (scripts/setup.sh does), "
            + "or pass --no-render to write the data and the script only")
    }

    private static func run(_ gnuplot: String, script: String, in folder: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gnuplot)
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw PlotError("cannot start \(gnuplot): \(error.localizedDescription)") }
        input.fileHandleForWriting.write(Data(script.utf8))
        try? input.fileHandleForWriting.close()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " / ")
            throw PlotError("gnuplot failed (exit \(process.terminationStatus)): \(text)")
        }
    }
}
