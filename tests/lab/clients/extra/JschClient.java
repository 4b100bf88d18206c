// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
// A real JSch client for the lab's client matrix: HOST PORT USER KEYFILE; runs `true` with JSch's defaults.
import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;

public class JschClient {
    public static void main(String[] args) throws Exception {
        JSch jsch = new JSch();
        jsch.addIdentity(args[3]);
        Session session = jsch.getSession(args[2], args[0], Integer.parseInt(args[1]));
        session.setConfig("StrictHostKeyChecking", "no");
        try {
            session.connect(20000);
            ChannelExec ch = (ChannelExec) session.openChannel("exec");
            ch.setCommand("true");
            ch.connect(20000);
            while (!ch.isClosed()) {
                Thread.sleep(50);
            }
            int rc = ch.getExitStatus();
            session.disconnect();
            System.exit(rc == 0 ? 0 : 1);
        } catch (Exception e) {
            System.err.println("jsch " + JSch.VERSION + ": " + e);
            System.exit(1);
        }
    }
}
