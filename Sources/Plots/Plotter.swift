import Foundation
import MTrace
import Reports

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
        if request.output.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw PlotError("\(PlotStyle.visible(request.output)): an image name may not contain control characters")
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
            PlotStyle.comment("# mtlab plot --kind \(request.kind.rawValue) of \(request.input)"),
            PlotStyle.comment("# Data: \(dataName). Restyle freely, then run `gnuplot \(nameOf(scriptPath))` in this folder."),
            format.terminal,
        ]
        let script = (header + ["set output " + PlotStyle.quote(imageName)] + commands).joined(separator: "\n") + "\n"

        var files = OutputFiles()
        files.add(path: dataPath, contents: data)
        files.add(path: scriptPath, contents: script)
        do { try files.commit() } catch let e as OutputError { throw PlotError(e.description) }
        guard let gnuplot else { return Output(image: nil, data: dataPath, script: scriptPath) }

        // Render to a temporary name beside the image, then publish it: a failed render
        // leaves neither a partial image nor the temporary.
        let folder = folderOf(request.output)
        let temporary = "." + imageName + ".mtlab-\(getpid()).tmp"
        let temporaryPath = folder + "/" + temporary
        defer { unlink(temporaryPath) }
        let rendering = (header + ["set output " + PlotStyle.quote(temporary)] + commands).joined(separator: "\n") + "\n"
        try run(gnuplot, script: rendering, in: folder)
        do {
            let destination = try OutputDestination.resolve(request.output)
            if case let .replace(path) = destination {
                guard rename(temporaryPath, path) == 0 else {
                    throw OutputError(path: request.output, message: "cannot be written: \(String(cString: strerror(errno)))")
                }
            } else {
                guard let bytes = FileManager.default.contents(atPath: temporaryPath) else {
                    throw PlotError("gnuplot wrote no image")
                }
                let image = try OutputFile(destination: destination, name: request.output)
                try bytes.withUnsafeBytes { try image.write($0) }
                try image.commit()
            }
        } catch let e as OutputError {
            throw PlotError(e.description)
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
        // A gnuplot that stops reading early (a bad script) makes this write fail: its own
        // message, read below, says why.
        try? input.fileHandleForWriting.write(contentsOf: Data(script.utf8))
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
